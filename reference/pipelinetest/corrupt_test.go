package pipelinetest

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/reference/consumer"
	"github.com/dashstream/acceptance/reference/internal/consumertest"
	"github.com/dashstream/acceptance/reference/internal/kfaketest"
	"github.com/dashstream/acceptance/reference/sequence"
	"github.com/dashstream/acceptance/reference/wire"
)

// TestCorruptRecordsAreCountedDeadLetteredAndSkipped interleaves every kind of bad record
// with valid ones on one partition.
func TestCorruptRecordsAreCountedDeadLetteredAndSkipped(t *testing.T) {
	const maxPayload = 4096
	_, addrs := kfaketest.Cluster(t, 1, topic)
	compressed := rawPadded(t, "acme", "thread-1", 99, strings.Repeat("node-", 300))
	require.Equal(t, wire.FramingZstd, compressed[0])
	plain := rawMessage(t, "acme", "thread-1", 99)
	bad := []struct {
		name   string
		value  []byte
		reason string
	}{
		{"garbage", []byte("this is not a dashstream record"), wire.ReasonFraming},
		{"truncated zstd", compressed[:len(compressed)/2], wire.ReasonDecompress},
		{"wrong framing byte", append([]byte{0x02}, plain[1:]...), wire.ReasonFraming},
		{"bad protobuf", []byte{wire.FramingPlain, 0xff, 0xff, 0xff}, wire.ReasonProtobuf},
		{"oversized", append([]byte{wire.FramingPlain}, []byte(strings.Repeat("x", 2*maxPayload))...), wire.ReasonTooLarge},
	}
	values := [][]byte{rawMessage(t, "acme", "thread-1", 1)}
	for i, b := range bad {
		values = append(values, b.value, rawMessage(t, "acme", "thread-1", uint64(i+2)))
	}
	produceRaw(t, addrs, "thread-1", values...)

	run := consumertest.Start(t, addrs, fastFetch, consumer.MaxPayload(maxPayload))
	stats := run.WaitStats(t, 10*time.Second, "every valid record and every DLQ copy", func(s consumer.Stats) bool {
		return s.Received == uint64(len(bad)+1) && s.DLQRecords == uint64(len(bad))
	})
	require.Equal(t, map[string]uint64{wire.ReasonFraming: 2, wire.ReasonDecompress: 1, wire.ReasonProtobuf: 1, wire.ReasonTooLarge: 1},
		stats.DecodeFailures)
	require.Zero(t, stats.Gaps+stats.Duplicates+stats.Reorders, "bad records do not disturb the sequence")
	for reason, n := range stats.DecodeFailures {
		require.Equal(t, float64(n), run.Metric(t, consumer.MetricDecodeFailures, map[string]string{"reason": reason}), reason)
	}
	require.Equal(t, float64(len(bad)), run.Metric(t, consumer.MetricDLQRecords, nil))

	recs := run.Records()
	for i, r := range recs {
		require.Equal(t, uint64(i+1), r.Header.Sequence, "valid records after bad ones are all consumed, in order")
		require.NotEqual(t, sequence.Gap, r.Result.Verdict)
	}
	dlq := kfaketest.ReadN(t, addrs, consumer.DefaultDLQTopic, len(bad), 10*time.Second)
	for i, b := range bad {
		require.Equal(t, b.value, dlq[i].Value, b.name)
		require.Equal(t, "thread-1", string(dlq[i].Key), b.name)
		require.Equal(t, b.reason, header(dlq[i], consumer.HeaderDLQReason), b.name)
		require.Equal(t, topic, header(dlq[i], consumer.HeaderSourceTopic), b.name)
		require.Equal(t, "0", header(dlq[i], consumer.HeaderSourcePartition), b.name)
		require.Equal(t, strconv.Itoa(2*i+1), header(dlq[i], consumer.HeaderSourceOffset), b.name)
		require.NotEmpty(t, header(dlq[i], consumer.HeaderDLQError), b.name)
	}
	require.Len(t, run.Logs.Find("undecodable record"), len(bad))
}
