package chaos

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/wire"
	"github.com/dashstream/acceptance/reference/wire/dspb"
	"github.com/dashstream/acceptance/system/stack"
)

// ErrMirrorStopped is returned by Mirror.Sync when the mirror is not running.
var ErrMirrorStopped = errors.New("mirror is not running")

// MirrorCounts is what a Mirror did so far.
type MirrorCounts struct {
	// Copied counts the records written to the destination, Undecodable among them.
	Copied int
	// Undecodable counts records that failed to decode; they are copied unchanged.
	Undecodable int
	// Dropped lists the records left out, in the order they were read.
	Dropped []DroppedRecord
}

// DroppedRecord identifies a record a Mirror left out.
type DroppedRecord struct {
	Partition int32
	Offset    int64
	Tenant    string
	Thread    string
	Sequence  uint64
}

// Mirror is a lossy copy of one topic into another, like a broken MirrorMaker: it leaves
// out the records whose header matches its drop function, so a consumer of the
// destination sees exactly those holes. Create it with MirrorDropping.
type Mirror struct {
	k        stack.Kafka
	from, to string
	drop     func(*dspb.Header) bool

	mu      sync.Mutex
	started bool
	running bool
	err     error
	counts  MirrorCounts
	next    map[int32]int64 // next source offset to copy, per partition
	changed chan struct{}   // closed and replaced on every progress
	stop    context.CancelFunc
	done    chan struct{}
}

// MirrorDropping returns a Mirror from topic from to topic to that leaves out every
// decodable record for which drop returns true (see DropSequence). Inject starts it:
// it reads from the start of every partition of from and writes each record, key,
// headers and value unchanged, to the same partition of to, creating to with the same
// number of partitions if it does not exist. A nil drop copies everything. Undo stops it; call Sync first to copy
// everything produced so far. A Mirror runs once.
func MirrorDropping(k stack.Kafka, from, to string, drop func(*dspb.Header) bool) *Mirror {
	if drop == nil {
		drop = func(*dspb.Header) bool { return false }
	}
	return &Mirror{k: k, from: from, to: to, drop: drop, next: map[int32]int64{}, changed: make(chan struct{})}
}

// DropSequence returns a drop function for MirrorDropping that matches the given
// sequences of thread.
func DropSequence(thread string, seqs ...uint64) func(*dspb.Header) bool {
	return func(h *dspb.Header) bool {
		return h.GetThreadId() == thread && slices.Contains(seqs, h.GetSequence())
	}
}

// Name implements Fault.
func (m *Mirror) Name() string { return "message-drop" }

// Needs implements Fault: a mirror only reads and writes topics.
func (m *Mirror) Needs() []stack.Capability { return nil }

// Inject implements Fault: it starts the mirror.
func (m *Mirror) Inject(ctx context.Context, tl Timeline) (Handle, error) {
	detail := fmt.Sprintf("lossy mirror %s -> %s drops matching records", m.from, m.to)
	return inject(ctx, tl, m.Name(), detail, func(ctx context.Context) (injection, error) {
		if err := m.start(ctx); err != nil {
			return injection{}, err
		}
		note := func() string {
			c := m.Counts()
			return fmt.Sprintf("mirror %s -> %s stopped: %d copied, %d dropped", m.from, m.to, c.Copied, len(c.Dropped))
		}
		return injection{steps: []undoStep{m.halt}, endNote: note}, nil
	}, nil)
}

// Counts returns what the mirror did so far.
func (m *Mirror) Counts() MirrorCounts {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.counts
	c.Dropped = slices.Clone(c.Dropped)
	return c
}

// Sync waits until the mirror has handled every record the source holds now, bounded by
// ctx. It returns the mirror's error if it failed, and ErrMirrorStopped if it is not
// running.
func (m *Mirror) Sync(ctx context.Context) error {
	m.mu.Lock()
	never := m.stop == nil
	m.mu.Unlock()
	if never {
		return fmt.Errorf("sync mirror %s -> %s: never ran: %w", m.from, m.to, ErrMirrorStopped)
	}
	adm, err := m.k.Admin()
	if err != nil {
		return err
	}
	defer adm.Close()
	ends, err := adm.ListEndOffsets(ctx, m.from)
	if err != nil {
		return fmt.Errorf("sync mirror: list end offsets of %s: %w", m.from, err)
	}
	if err := ends.Error(); err != nil {
		return fmt.Errorf("sync mirror: list end offsets of %s: %w", m.from, err)
	}
	starts, err := adm.ListStartOffsets(ctx, m.from)
	if err != nil {
		return fmt.Errorf("sync mirror: list start offsets of %s: %w", m.from, err)
	}
	for {
		m.mu.Lock()
		behind := 0
		ends.Each(func(o kadm.ListedOffset) {
			s, _ := starts.Lookup(m.from, o.Partition)
			if max(m.next[o.Partition], s.Offset) < o.Offset {
				behind++
			}
		})
		running, merr, changed := m.running, m.err, m.changed
		m.mu.Unlock()
		switch {
		case behind == 0:
			return nil
		case merr != nil:
			return fmt.Errorf("sync mirror: %w", merr)
		case !running:
			return fmt.Errorf("sync mirror %s -> %s: %w", m.from, m.to, ErrMirrorStopped)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("sync mirror %s -> %s: %d partitions behind: %w", m.from, m.to, behind, ctx.Err())
		case <-changed:
		}
	}
}

func (m *Mirror) start(ctx context.Context) error {
	m.mu.Lock()
	if m.started {
		m.mu.Unlock()
		return errors.New("a mirror runs once: create another with MirrorDropping")
	}
	m.started = true
	m.mu.Unlock()
	if err := m.ensureDestination(ctx); err != nil {
		return err
	}
	cl, err := m.k.Client(kgo.ConsumeTopics(m.from), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(200*time.Millisecond), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m.mu.Lock()
	m.running, m.stop, m.done = true, cancel, make(chan struct{})
	m.mu.Unlock()
	go m.run(runCtx, cl)
	return nil
}

// ensureDestination creates the destination with the source's partition count, or checks
// that it has at least as many partitions.
func (m *Mirror) ensureDestination(ctx context.Context) error {
	adm, err := m.k.Admin()
	if err != nil {
		return err
	}
	defer adm.Close()
	tds, err := adm.ListTopics(ctx, m.from, m.to)
	if err != nil {
		return fmt.Errorf("describe %s and %s: %w", m.from, m.to, err)
	}
	src, ok := tds[m.from]
	if !ok || errors.Is(src.Err, kerr.UnknownTopicOrPartition) {
		return fmt.Errorf("mirror source %s does not exist: create it first", m.from)
	}
	if src.Err != nil {
		return fmt.Errorf("mirror source %s: %w", m.from, src.Err)
	}
	if dst, ok := tds[m.to]; ok && dst.Err == nil {
		if len(dst.Partitions) < len(src.Partitions) {
			return fmt.Errorf("mirror destination %s has %d partitions, fewer than the %d of %s: use a new topic",
				m.to, len(dst.Partitions), len(src.Partitions), m.from)
		}
		return nil
	}
	rf := int16(min(len(m.k.Brokers()), 3))
	resp, err := adm.CreateTopic(ctx, int32(len(src.Partitions)), rf, nil, m.to)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		return fmt.Errorf("create mirror destination %s: %w", m.to, err)
	}
	return nil
}

// run copies until ctx ends or a fetch or produce fails.
func (m *Mirror) run(ctx context.Context, cl *kgo.Client) {
	defer close(m.done)
	defer cl.Close()
	for {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			m.finish(nil)
			return
		}
		var err error
		fs.EachError(func(t string, p int32, e error) { err = errors.Join(err, fmt.Errorf("fetch %s/%d: %w", t, p, e)) })
		if err == nil {
			err = m.copy(ctx, cl, fs.Records())
		}
		if err != nil {
			m.finish(err)
			return
		}
	}
}

// decoder reads the records the mirror selects from. It is the pipeline's own wire
// package because drop is given a *dspb.Header; selecting which records to drop is part
// of causing the fault, not of judging it.
var decoder = wire.NewDecoder()

// copy writes the records drop does not match and records the progress.
func (m *Mirror) copy(ctx context.Context, cl *kgo.Client, recs []*kgo.Record) error {
	var out []*kgo.Record
	var dropped []DroppedRecord
	undecodable := 0
	for _, r := range recs {
		msg, err := decoder.Decode(r.Value)
		if err == nil && m.drop(wire.HeaderOf(msg)) {
			h := wire.HeaderOf(msg)
			dropped = append(dropped, DroppedRecord{Partition: r.Partition, Offset: r.Offset,
				Tenant: h.GetTenantId(), Thread: h.GetThreadId(), Sequence: h.GetSequence()})
			continue
		}
		if err != nil {
			undecodable++
		}
		out = append(out, &kgo.Record{Topic: m.to, Partition: r.Partition, Key: r.Key, Value: r.Value,
			Headers: r.Headers, Timestamp: r.Timestamp})
	}
	if len(out) > 0 {
		if err := cl.ProduceSync(ctx, out...).FirstErr(); err != nil {
			return fmt.Errorf("copy to %s: %w", m.to, err)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counts.Copied += len(out)
	m.counts.Undecodable += undecodable
	m.counts.Dropped = append(m.counts.Dropped, dropped...)
	for _, r := range recs {
		m.next[r.Partition] = r.Offset + 1
	}
	m.signal()
	return nil
}

func (m *Mirror) finish(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.running = false
	if err != nil {
		m.err = fmt.Errorf("mirror %s -> %s: %w", m.from, m.to, err)
	}
	m.signal()
}

// signal wakes Sync; m.mu is held.
func (m *Mirror) signal() {
	close(m.changed)
	m.changed = make(chan struct{})
}

// halt stops the mirror and waits for it, bounded by ctx.
func (m *Mirror) halt(ctx context.Context) error {
	m.mu.Lock()
	stop, done := m.stop, m.done
	m.mu.Unlock()
	stop()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop mirror %s -> %s: %w", m.from, m.to, ctx.Err())
	}
}
