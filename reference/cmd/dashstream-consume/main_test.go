package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/internal/bintest"
	"github.com/dashstream/acceptance/reference/internal/kfaketest"
)

func TestMain(m *testing.M) { bintest.Main(m) }

const (
	consumePkg = "github.com/dashstream/acceptance/reference/cmd/dashstream-consume"
	producePkg = "github.com/dashstream/acceptance/reference/cmd/dashstream-produce"
	topic      = "dashstream-events"
)

// parseLines splits stdout into record lines, decode error lines and the summary, which
// must come last and once.
func parseLines(t *testing.T, res bintest.Result) ([]recordLine, []decodeErrorLine, summary) {
	t.Helper()
	var (
		recs []recordLine
		errs []decodeErrorLine
		sum  summary
	)
	lines := res.Lines()
	require.NotEmpty(t, lines, "stderr: %s", res.Stderr)
	for i, l := range lines {
		var kind struct{ Kind string }
		require.NoError(t, json.Unmarshal([]byte(l), &kind), l)
		switch kind.Kind {
		case "record":
			var r recordLine
			require.NoError(t, json.Unmarshal([]byte(l), &r))
			recs = append(recs, r)
		case "decode_error":
			var e decodeErrorLine
			require.NoError(t, json.Unmarshal([]byte(l), &e))
			errs = append(errs, e)
		case "summary":
			require.Equal(t, len(lines)-1, i, "the summary is the last line")
			require.NoError(t, json.Unmarshal([]byte(l), &sum))
		default:
			t.Fatalf("unknown line kind %q: %s", kind.Kind, l)
		}
	}
	require.Equal(t, "summary", sum.Kind)
	return recs, errs, sum
}

func TestProduceThenConsume(t *testing.T) {
	produce, consume := bintest.Build(t, producePkg), bintest.Build(t, consumePkg)
	_, addrs := kfaketest.Cluster(t, 3, topic)
	env := map[string]string{"KAFKA_BROKERS": strings.Join(addrs, ","), "TENANT_ID": "customer-123"}
	res := bintest.Run(t, 20*time.Second, env, produce, "-threads", "4", "-messages", "25", "-thread-prefix", "run-")
	require.Equal(t, 0, res.Code, "produce stderr: %s", res.Stderr)

	res = bintest.Run(t, 20*time.Second, env, consume, "-from-start", "-max-records", "100", "-timeout", "15s")
	require.Equal(t, 0, res.Code, "consume stderr: %s", res.Stderr)
	recs, errs, sum := parseLines(t, res)
	require.Empty(t, errs)
	require.Len(t, recs, 100)
	require.Equal(t, uint64(100), sum.Received)
	require.Zero(t, sum.Gaps+sum.Duplicates+sum.Reorders+sum.Zeros+sum.Missing)
	require.False(t, sum.TimedOut)
	next := map[string]uint64{}
	for _, r := range recs {
		require.Equal(t, "customer-123", r.Tenant)
		require.True(t, strings.HasPrefix(r.Thread, "run-"), r.Thread)
		require.Equal(t, "event", r.Type)
		next[r.Thread]++
		require.Equal(t, next[r.Thread], r.Sequence, "thread %s in order", r.Thread)
		if r.Sequence == 1 {
			require.Equal(t, "first", r.Verdict)
		} else {
			require.Equal(t, "ok", r.Verdict)
		}
	}
	require.Len(t, next, 4)
}

func TestConsumeReportsDecodeFailuresAndTimeout(t *testing.T) {
	consume := bintest.Build(t, consumePkg)
	_, addrs := kfaketest.Cluster(t, 1, topic)
	cl := kfaketest.Client(t, addrs, kgo.DefaultProduceTopic(topic))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, cl.ProduceSync(ctx, &kgo.Record{Value: []byte("garbage")}, &kgo.Record{Value: []byte{0x01, 0x28}}).FirstErr())

	env := map[string]string{"KAFKA_BROKERS": addrs[0]}
	res := bintest.Run(t, 20*time.Second, env, consume, "-from-start", "-max-records", "5", "-timeout", "2s")
	require.Equal(t, 1, res.Code, "the limit was not reached: exit 1")
	require.Contains(t, res.Stderr, "timed out after 2s with 2 of 5 records")
	recs, errs, sum := parseLines(t, res)
	require.Empty(t, recs)
	require.Len(t, errs, 2)
	require.Equal(t, "framing", errs[0].Reason)
	require.Equal(t, "decompress", errs[1].Reason)
	require.Equal(t, map[string]uint64{"framing": 1, "decompress": 1, "too_large": 0, "protobuf": 0}, sum.DecodeFailures)
	require.Equal(t, uint64(2), sum.DLQRecords)
	require.True(t, sum.TimedOut)
}

func TestConsumeWithoutFromStartSkipsOldRecords(t *testing.T) {
	produce, consume := bintest.Build(t, producePkg), bintest.Build(t, consumePkg)
	_, addrs := kfaketest.Cluster(t, 1, topic)
	env := map[string]string{"KAFKA_BROKERS": addrs[0]}
	require.Equal(t, 0, bintest.Run(t, 20*time.Second, env, produce, "-messages", "10").Code)
	res := bintest.Run(t, 20*time.Second, env, consume, "-timeout", "1s")
	require.Equal(t, 0, res.Code, "a timeout without a limit is a normal end: %s", res.Stderr)
	recs, _, sum := parseLines(t, res)
	require.Empty(t, recs)
	require.Zero(t, sum.Received)
	require.True(t, sum.TimedOut)
}

func TestConsumeBadInputExitsTwo(t *testing.T) {
	consume := bintest.Build(t, consumePkg)
	tests := []struct {
		name    string
		brokers string
		args    []string
		want    string
	}{
		{"refused port", "127.0.0.1:1", nil, "did not answer within 5s"},
		{"unresolvable name", "no-such-broker.invalid:9092", nil, "no-such-broker.invalid:9092"},
		{"negative limit", "127.0.0.1:1", []string{"-max-records", "-1"}, "-max-records -1 is out of range: use 0 = no limit, else 1 to 1000000000"},
		{"negative thread cap", "127.0.0.1:1", []string{"-max-threads", "-2"}, "-max-threads -2 is out of range"},
		{"payload near int64 max", "127.0.0.1:1", []string{"-max-payload", "9223372036854775000"}, "-max-payload 9223372036854775000 is out of range: use 0 = 10 MiB, else 1024 to 268435456"},
		{"busy fetch", "127.0.0.1:1", []string{"-fetch-max-wait", "1ns"}, "-fetch-max-wait 1ns is out of range: use 10ms to 1m"},
		{"decode budget below its range", "127.0.0.1:1", []string{"-decode-budget", "1000"}, "-decode-budget 1000 is out of range: use 1048576 to 68719476736"},
		{"empty topic", "127.0.0.1:1", []string{"-topic", " , "}, "-topic is empty"},
		{"unknown flag", "127.0.0.1:1", []string{"-bogus"}, "flag provided but not defined: -bogus"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := bintest.Run(t, 20*time.Second, map[string]string{"KAFKA_BROKERS": tc.brokers}, consume, tc.args...)
			require.Equal(t, 2, res.Code, "stderr: %s", res.Stderr)
			require.Less(t, res.Elapsed, 10*time.Second)
			require.Contains(t, res.Stderr, tc.want)
			require.Equal(t, 1, strings.Count(res.Stderr, "\n"), "one line: %q", res.Stderr)
			require.Empty(t, res.Stdout)
		})
	}
}
