package exporter

import (
	"context"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/consumer"
	"github.com/dashstream/acceptance/reference/internal/kfaketest"
	"github.com/dashstream/acceptance/reference/wire/dspb"
)

func TestLagIsHighWatermarkMinusNextOffset(t *testing.T) {
	_, addrs := kfaketest.Cluster(t, 2, consumer.DefaultTopic)
	cl := kfaketest.Client(t, addrs, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 7 {
		p := int32(0)
		if i >= 5 {
			p = 1
		}
		require.NoError(t, cl.ProduceSync(ctx, &kgo.Record{Topic: consumer.DefaultTopic, Partition: p, Value: []byte{0}}).FirstErr())
	}
	// Not Run: the offsets are set by hand, the lag computed from the real watermarks.
	e, err := New(Brokers(addrs...), Topics(consumer.DefaultTopic), Logger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	t.Cleanup(e.Close)
	lag := func(p int) float64 {
		var m dto.Metric
		require.NoError(t, e.m.lag.WithLabelValues("", consumer.DefaultTopic, strconv.Itoa(p)).Write(&m))
		return m.GetGauge().GetValue()
	}

	require.NoError(t, e.updateLag(ctx))
	require.Equal(t, 5.0, lag(0), "nothing consumed: everything from the log start")
	require.Equal(t, 2.0, lag(1))

	e.offsets.handled(consumer.DefaultTopic, 0, 1) // records 0 and 1 handled
	e.offsets.handled(consumer.DefaultTopic, 0, 0) // out of order: never goes back
	e.offsets.handled(consumer.DefaultTopic, 1, 1)
	require.NoError(t, e.updateLag(ctx))
	require.Equal(t, 3.0, lag(0))
	require.Equal(t, 0.0, lag(1))

	// Records deleted under the consumer: the log start moves past its next offset.
	var del kadm.Offsets
	del.Add(kadm.Offset{Topic: consumer.DefaultTopic, Partition: 0, At: 4})
	resp, err := kadm.NewClient(cl).DeleteRecords(ctx, del)
	require.NoError(t, err)
	require.NoError(t, resp.Error())
	require.NoError(t, e.updateLag(ctx))
	require.Equal(t, 1.0, lag(0), "from the new log start, not from the deleted records")
}

func TestQualityNamesAndTypes(t *testing.T) {
	for _, tc := range []struct {
		name string
		typ  dspb.MetricType
		want string
		kind prometheus.ValueType
		ok   bool
	}{
		{"score", dspb.MetricType_METRIC_TYPE_GAUGE, "dashstream_quality_score", prometheus.GaugeValue, true},
		{"Latency.P99-ms", dspb.MetricType_METRIC_TYPE_UNSPECIFIED, "dashstream_quality_latency_p99_ms", prometheus.GaugeValue, true},
		{"checks", dspb.MetricType_METRIC_TYPE_COUNTER, "dashstream_quality_checks_total", prometheus.CounterValue, true},
		{"runs_total", dspb.MetricType_METRIC_TYPE_COUNTER, "dashstream_quality_runs_total", prometheus.CounterValue, true},
		{"h", dspb.MetricType_METRIC_TYPE_HISTOGRAM, "dashstream_quality_h", prometheus.GaugeValue, true},
		{"..", dspb.MetricType_METRIC_TYPE_GAUGE, "", 0, false},
		{"", dspb.MetricType_METRIC_TYPE_GAUGE, "", 0, false},
	} {
		got, kind, ok := qualityName(tc.name, tc.typ)
		require.Equal(t, tc.ok, ok, tc.name)
		require.Equal(t, tc.want, got, tc.name)
		require.Equal(t, tc.kind, kind, tc.name)
	}
}

func gauge(f float64) *dspb.MetricValue {
	return &dspb.MetricValue{Value: &dspb.MetricValue_FloatValue{FloatValue: f}, Type: dspb.MetricType_METRIC_TYPE_GAUGE}
}

func TestQualitySkipsAndEvicts(t *testing.T) {
	evicted := 0
	q := newQuality(2, func() { evicted++ })
	require.Equal(t, SkipNotNumeric, q.observe("a", "s", "x", &dspb.MetricValue{Value: &dspb.MetricValue_StringValue{StringValue: "v"}}))
	require.Equal(t, SkipNotNumeric, q.observe("a", "s", "x", nil))
	require.Equal(t, SkipBadName, q.observe("a", "s", "%%", gauge(1)))
	require.Empty(t, q.observe("a", "s", "x_total", gauge(1)))
	require.Equal(t, SkipTypeConflict, q.observe("a", "s", "x",
		&dspb.MetricValue{Value: &dspb.MetricValue_IntValue{IntValue: 1}, Type: dspb.MetricType_METRIC_TYPE_COUNTER}),
		"x as a counter is dashstream_quality_x_total, already a gauge")
	require.Empty(t, q.observe("a", "s1", "y", gauge(2)))
	require.Empty(t, q.observe("a", "s", "x_total", gauge(3))) // refresh: x_total is now the newest
	require.Empty(t, q.observe("b", "s", "z", gauge(4)))       // evicts y, the least recently updated
	require.Equal(t, 1, evicted)

	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(q))
	families, err := reg.Gather()
	require.NoError(t, err)
	var names []string
	for _, f := range families {
		names = append(names, f.GetName())
	}
	require.Equal(t, []string{"dashstream_quality_x_total", "dashstream_quality_z"}, names, "y was evicted")
}

func TestLagOfWatchedGroups(t *testing.T) {
	_, addrs := kfaketest.Cluster(t, 2, consumer.DefaultTopic)
	cl := kfaketest.Client(t, addrs, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 7 {
		require.NoError(t, cl.ProduceSync(ctx, &kgo.Record{Topic: consumer.DefaultTopic, Partition: int32(i % 2), Value: []byte{0}}).FirstErr())
	}
	// An application's group committed 1 record of partition 0 and 3 of partition 1.
	var commit kadm.Offsets
	commit.Add(kadm.Offset{Topic: consumer.DefaultTopic, Partition: 0, At: 1, LeaderEpoch: -1})
	commit.Add(kadm.Offset{Topic: consumer.DefaultTopic, Partition: 1, At: 3, LeaderEpoch: -1})
	resp, err := kadm.NewClient(cl).CommitOffsets(ctx, "app", commit)
	require.NoError(t, err)
	require.NoError(t, resp.Error())

	e, err := New(Brokers(addrs...), Topics(consumer.DefaultTopic), LagGroups("app", "never-existed"),
		Logger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	t.Cleanup(e.Close)
	require.NoError(t, e.updateLag(ctx))

	lags := map[string]float64{}
	families, err := e.reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != MetricConsumerLag {
			continue
		}
		for _, m := range f.GetMetric() {
			l := map[string]string{}
			for _, p := range m.GetLabel() {
				l[p.GetName()] = p.GetValue()
			}
			lags[l["group"]+"/"+l["partition"]] = m.GetGauge().GetValue()
		}
	}
	require.Equal(t, map[string]float64{
		"/0": 4, "/1": 3, // the exporter's own position: nothing consumed yet
		"app/0": 3, "app/1": 0, // high watermarks 4 and 3 minus the group's commits
	}, lags, "no series for a group that does not exist")
}
