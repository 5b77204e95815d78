package wire_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/reference/wire"
	"github.com/dashstream/acceptance/reference/wire/dspb"
)

// TestContentBound gives, before decompression, the content size a record decodes to: a
// plain value's content length, a zstd frame's declared size, the maximum when the frame
// declares more or is not a frame at all.
func TestContentBound(t *testing.T) {
	dec := wire.NewDecoder(wire.MaxPayload(1 << 20))
	msg := func(thread string) *dspb.DashStreamMessage {
		return &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Event{Event: &dspb.Event{
			Header: &dspb.Header{TenantId: "acme", ThreadId: thread, Sequence: 1}}}}
	}
	plain, err := wire.NewEncoder(wire.CompressThreshold(-1)).Encode(msg("t"))
	require.NoError(t, err)
	require.Equal(t, len(plain)-1, dec.ContentBound(plain))

	big, err := wire.NewEncoder().Encode(msg(strings.Repeat("x", 500_000)))
	require.NoError(t, err)
	require.Equal(t, wire.FramingZstd, big[0])
	out, err := dec.Decode(big)
	require.NoError(t, err)
	require.Less(t, len(big), 10_000)
	require.GreaterOrEqual(t, dec.ContentBound(big), 500_000)
	require.LessOrEqual(t, dec.ContentBound(big), 500_100, "the declared size, not the maximum")
	require.Len(t, out.GetEvent().GetHeader().GetThreadId(), 500_000)

	require.Equal(t, 1<<20, dec.ContentBound([]byte{wire.FramingZstd, 1, 2, 3}), "no frame header: the maximum")
	require.Equal(t, 0, dec.ContentBound(nil))
}
