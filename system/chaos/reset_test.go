package chaos_test

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/system/chaos"
)

func TestResettingListenerResetsAndNotesEveryConnection(t *testing.T) {
	r, err := chaos.ResettingListener()
	require.NoError(t, err)
	before := time.Now()
	for range 3 {
		c, err := net.DialTimeout("tcp", r.Addr(), time.Second)
		if err != nil {
			require.ErrorContains(t, err, "reset")
			continue
		}
		_, err = c.Write([]byte("hello"))
		require.NoError(t, err)
		require.NoError(t, c.SetReadDeadline(time.Now().Add(3*time.Second)))
		_, err = c.Read(make([]byte, 1))
		require.ErrorContains(t, err, "connection reset by peer", "the listener resets, it does not close politely")
		require.NoError(t, c.Close())
	}
	require.Eventually(t, func() bool { return r.Accepted() == 3 }, 2*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool { return r.BytesReceived() == 15 }, 2*time.Second, 10*time.Millisecond, "the first request of each connection is read and counted")
	times := r.AcceptTimes()
	require.Len(t, times, 3)
	for i, at := range times {
		require.False(t, at.Before(before), "connection %d noted before it was made", i)
		if i > 0 {
			require.False(t, at.Before(times[i-1]), "times are in order")
		}
	}
	require.NoError(t, r.Close())
	require.NoError(t, r.Close(), "Close is safe twice")
	_, err = net.DialTimeout("tcp", r.Addr(), time.Second)
	require.Error(t, err, "closed: nothing listens")
}
