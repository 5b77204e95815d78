package tools

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// lockPoll is how often a waiting installer retries the lock.
const lockPoll = 200 * time.Millisecond

// fileLock is an exclusive flock(2) on a lock file. flock locks belong to the open file
// description, so two goroutines of one process that each open the file exclude each
// other as two processes do.
type fileLock struct{ f *os.File }

// lockFile takes an exclusive lock on path, polling until ctx is done so that a waiter
// can give up; onWait is called once if the lock is held by someone else.
func lockFile(ctx context.Context, path string, onWait func()) (*fileLock, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	waited := false
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return &fileLock{f: f}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if !waited && onWait != nil {
			onWait()
			waited = true
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("lock %s: another install is still running: %w", path, ctx.Err())
		case <-time.After(lockPoll):
		}
	}
}

// unlock releases the lock; closing the file releases it too.
func (l *fileLock) unlock() {
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	_ = l.f.Close()
}
