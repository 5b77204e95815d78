package chaos

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/system/observe/wiredecode"
)

// TestExpandingValueDecodesToItsSize: the harness's own decoder reads an expanding
// record as a valid event whose content is exactly the size asked, from a few KiB.
func TestExpandingValueDecodesToItsSize(t *testing.T) {
	const size = 8 << 20
	v, err := expandingValue(ForgedHeader{Tenant: "acme", Thread: "t1", Sequence: 3, Expand: size})
	require.NoError(t, err)
	require.Less(t, len(v), 8<<10, "a few KiB on the wire")
	rec, err := wiredecode.New().Decode(v)
	require.NoError(t, err)
	require.Equal(t, wiredecode.FramingZstd, rec.Framing)
	require.Equal(t, "t1", rec.Header.ThreadID)
	require.Equal(t, uint64(3), rec.Header.Sequence)
	require.Equal(t, size, rec.ContentSize)
}

// TestExpandingValuePlain: a plain expanding record is its content, uncompressed.
func TestExpandingValuePlain(t *testing.T) {
	v, err := expandingValue(ForgedHeader{Tenant: "acme", Thread: "t1", Sequence: 1, Expand: 900 << 10, Plain: true})
	require.NoError(t, err)
	require.Len(t, v, 900<<10+1)
	rec, err := wiredecode.New().Decode(v)
	require.NoError(t, err)
	require.Equal(t, wiredecode.FramingPlain, rec.Framing)
	require.Equal(t, 900<<10, rec.ContentSize)
}
