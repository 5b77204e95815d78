package bench

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/reference/wire"
	"github.com/dashstream/acceptance/reference/wire/dspb"
)

func TestMessageHasTheAskedSize(t *testing.T) {
	enc := wire.NewEncoder(wire.CompressThreshold(-1))
	for _, size := range []int{256, 1024, 4096} {
		m, err := Message(size, 1)
		require.NoError(t, err)
		h := wire.HeaderOf(m)
		h.MessageId = make([]byte, 16)
		h.TimestampUs = 1_764_000_000_000_000
		h.TenantId, h.ThreadId, h.Sequence = BenchTenant, ThreadID(63), 300_000
		h.Type, h.SchemaVersion = dspb.MessageType_MESSAGE_TYPE_EVENT, wire.SchemaVersion
		v, err := enc.Encode(m)
		require.NoError(t, err)
		require.Len(t, v, size)
		require.Equal(t, wire.FramingPlain, v[0])
	}
	_, err := Message(10, 1)
	require.ErrorContains(t, err, "ask for larger values")
}

func TestKcatLines(t *testing.T) {
	out := KcatLines(5, 2, 1024, 1)
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	require.Len(t, lines, 5)
	for i, line := range lines {
		key, value, ok := strings.Cut(line, "\t")
		require.True(t, ok)
		require.Equal(t, ThreadID(i%2), key)
		require.Len(t, value, 1024)
		require.NotContains(t, value, "\t")
	}
	require.Len(t, out, 5*(len(ThreadID(0))+1+1024+1), "every line has the same length")
	require.False(t, bytes.Equal(KcatLines(1, 1, 64, 1), KcatLines(1, 1, 64, 2)))
}

func TestKcatArgsMatchTheReferenceSettings(t *testing.T) {
	p := strings.Join(KcatProduceArgs([]string{"a:1", "b:2"}, "t"), " ")
	for _, want := range []string{"-P", "-b a:1,b:2", "-t t", `-K \t`, "acks=all", "enable.idempotence=true", "compression.codec=none", "tenant_id=" + BenchTenant} {
		require.Contains(t, p, want)
	}
	c := strings.Join(KcatConsumeArgs([]string{"a:1"}, "t"), " ")
	require.Equal(t, "-C -b a:1 -t t -e -o beginning -q", c)
}
