package wsserver

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestQueueBoundedInBytes: a client's queue holds at most its byte bound; a frame that
// does not fit drops the oldest frames until it does, one count each; a frame larger than
// the bound is itself dropped; popping and shutting release the bytes.
func TestQueueBoundedInBytes(t *testing.T) {
	frame := func(n int, b byte) outFrame { return outFrame{data: bytes.Repeat([]byte{b}, n)} }
	c := newClient(1, "acme", false, nil, 100, 1000)
	for i := range 4 {
		d, cut := c.push(frame(300, byte('a'+i)), 0)
		require.False(t, cut)
		require.Equal(t, map[int]int{0: 0, 1: 0, 2: 0, 3: 1}[i], d, "frame %d", i)
	}
	require.Equal(t, 3, c.n)
	require.Equal(t, int64(900), c.bytes)

	d, _ := c.push(frame(700, 'e'), 0) // needs 700 of 1000: two of the three 300s go
	require.Equal(t, 2, d)
	require.Equal(t, 2, c.n)
	require.Equal(t, int64(1000), c.bytes)
	f, ok := c.pop()
	require.True(t, ok)
	require.Equal(t, byte('d'), f.data[0], "oldest first")
	require.Equal(t, int64(700), c.bytes)

	d, _ = c.push(frame(1001, 'x'), 0) // larger than the bound: dropped itself
	require.Equal(t, 1, d)
	require.Equal(t, 1, c.n, "the queue keeps what it had")
	require.Equal(t, 4, c.drops)

	d, cut := c.push(frame(400, 'y'), 5) // 700 + 400 > 1000: the 700 goes, the fifth drop cuts
	require.Equal(t, 1, d)
	require.True(t, cut)
	require.Equal(t, "too_slow", c.cutReason())

	require.Equal(t, 1, c.shut())
	require.Zero(t, c.bytes)
}

// TestQueueBoundedInFramesToo: small frames still stop at the frame count.
func TestQueueBoundedInFramesToo(t *testing.T) {
	c := newClient(1, "acme", false, nil, 3, DefaultQueueBytes)
	dropped := 0
	for range 10 {
		d, _ := c.push(outFrame{data: []byte("{}")}, 0)
		dropped += d
	}
	require.Equal(t, 3, c.n)
	require.Equal(t, 7, dropped)
	require.Equal(t, int64(6), c.bytes)
}
