package steps

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/twmb/franz-go/pkg/kadm"
	"google.golang.org/protobuf/proto"

	"github.com/dashstream/acceptance/reference/wire/dspb"
	"github.com/dashstream/acceptance/steps/evidence"
)

// sample is one series of a scrape; a histogram gives name_sum and name_count.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// scrapeSeries reads the service's /metrics series by series, labels kept.
func scrapeSeries(ctx context.Context, addr string) ([]sample, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %w", addr, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("scrape %s: %s", addr, resp.Status)
	}
	dec := expfmt.NewDecoder(resp.Body, expfmt.ResponseFormat(resp.Header))
	var out []sample
	for {
		var mf dto.MetricFamily
		if err := dec.Decode(&mf); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, fmt.Errorf("scrape %s: %w", addr, err)
		}
		for _, m := range mf.GetMetric() {
			l := map[string]string{}
			for _, p := range m.GetLabel() {
				l[p.GetName()] = p.GetValue()
			}
			switch {
			case m.Counter != nil:
				out = append(out, sample{mf.GetName(), l, m.GetCounter().GetValue()})
			case m.Gauge != nil:
				out = append(out, sample{mf.GetName(), l, m.GetGauge().GetValue()})
			case m.Untyped != nil:
				out = append(out, sample{mf.GetName(), l, m.GetUntyped().GetValue()})
			case m.Histogram != nil:
				out = append(out, sample{mf.GetName() + "_sum", l, m.GetHistogram().GetSampleSum()},
					sample{mf.GetName() + "_count", l, float64(m.GetHistogram().GetSampleCount())})
			}
		}
	}
}

// seriesSum sums the series of name; a name with no series is errNoSeries.
func seriesSum(all []sample, name string) (float64, error) {
	found, sum := false, 0.0
	for _, s := range all {
		if s.name == name {
			found, sum = true, sum+s.value
		}
	}
	if !found {
		return 0, fmt.Errorf("%s: %w", name, errNoSeries)
	}
	return sum, nil
}

// exporterSeriesSum waits until the exporter's metric, summed over its series, is n; a
// metric the exporter does not expose fails with its own message.
func exporterSeriesSum(ctx context.Context, metric string, n, seconds int) error {
	return exporterSeriesWhere(ctx, metric, "", n, seconds)
}

// exporterReasonSeries is exporterSeriesSum over the series with label reason only.
func exporterReasonSeries(ctx context.Context, metric, reason string, n, seconds int) error {
	return exporterSeriesWhere(ctx, metric, reason, n, seconds)
}

func exporterSeriesWhere(ctx context.Context, metric, reason string, n, seconds int) error {
	w := world(ctx)
	addr := w.services["exporter"].Addr()
	return w.eventually(ctx, fmt.Sprintf("%s to be %d", metric, n), time.Duration(seconds)*time.Second, func(ctx context.Context) (bool, string, error) {
		all, err := scrapeSeries(ctx, addr)
		if err != nil {
			return false, "", err
		}
		if reason != "" {
			all = slices.DeleteFunc(all, func(s sample) bool { return s.name == metric && s.labels["reason"] != reason })
		}
		got, err := seriesSum(all, metric)
		if err != nil {
			return false, fmt.Sprintf("the exporter does not expose %s (reason %q)", metric, reason), nil
		}
		return got == float64(n), fmt.Sprintf("%s{reason=%q} = %v", metric, reason, got), nil
	})
}

// exporterGapSizes checks the gap-size histogram once the gap counter has settled.
func exporterGapSizes(ctx context.Context, gaps, missing int) error {
	w := world(ctx)
	all, err := scrapeSeries(ctx, w.services["exporter"].Addr())
	if err != nil {
		return err
	}
	count, err := seriesSum(all, "dashstream_sequence_gap_size_count")
	if err != nil {
		return err
	}
	sum, err := seriesSum(all, "dashstream_sequence_gap_size_sum")
	if err != nil {
		return err
	}
	w.rec.Evidence(evidence.After, evidence.KindMetric, "gap-size histogram", map[string]float64{"count": count, "sum": sum})
	if count != float64(gaps) || sum != float64(missing) {
		return fmt.Errorf("dashstream_sequence_gap_size holds %v gaps of %v missing messages in all, expected %d gaps of %d",
			count, sum, gaps, missing)
	}
	return nil
}

// exporterLagZero waits until every partition of the scenario's topic has a lag series
// and each reads 0.
func exporterLagZero(ctx context.Context, seconds int) error {
	w := world(ctx)
	topic := w.topic("events")
	adm, err := w.stack.Kafka().Admin()
	if err != nil {
		return err
	}
	defer adm.Close()
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return fmt.Errorf("list end offsets: %w", err)
	}
	parts := 0
	ends.Each(func(kadm.ListedOffset) { parts++ })
	addr := w.services["exporter"].Addr()
	var last []string
	err = w.eventually(ctx, "the exporter's lag to be 0 on every partition", time.Duration(seconds)*time.Second, func(ctx context.Context) (bool, string, error) {
		all, err := scrapeSeries(ctx, addr)
		if err != nil {
			return false, "", err
		}
		last = last[:0]
		zero := 0
		for _, s := range all {
			if s.name == "dashstream_consumer_lag_records" && s.labels["topic"] == topic {
				last = append(last, fmt.Sprintf("partition %s: %v", s.labels["partition"], s.value))
				if s.value == 0 {
					zero++
				}
			}
		}
		slices.Sort(last)
		return zero == parts && len(last) == parts, fmt.Sprintf("%d partitions, lag %s", parts, strings.Join(last, ", ")), nil
	})
	w.rec.Evidence(evidence.After, evidence.KindMetric, "exporter lag", last)
	return err
}

// exporterQualitySeries checks that metric has exactly one series per thread of the
// scenario for tenant, scope_id the thread id, each at n.
func exporterQualitySeries(ctx context.Context, metric string, n int, tenant string, threads int) error {
	w := world(ctx)
	addr := w.services["exporter"].Addr()
	want := map[string]bool{}
	for i := range threads {
		want[fmt.Sprintf("%s-%04d", w.name("thread"), i)] = true
	}
	return w.eventually(ctx, fmt.Sprintf("%s of tenant %s to be %d on %d threads", metric, tenant, n, threads), 20*time.Second,
		func(ctx context.Context) (bool, string, error) {
			all, err := scrapeSeries(ctx, addr)
			if err != nil {
				return false, "", err
			}
			var seen []string
			ok := 0
			for _, s := range all {
				if s.name != metric {
					continue
				}
				seen = append(seen, fmt.Sprintf("%v=%v", s.labels, s.value))
				if s.labels["tenant"] == tenant && want[s.labels["scope_id"]] && s.value == float64(n) {
					ok++
				}
			}
			if len(seen) == 0 {
				return false, "the exporter exposes no series " + metric, nil
			}
			return ok == threads && len(seen) == threads, strings.Join(seen, "; "), nil
		})
}

// headerCompressionMatchesFraming reads the scenario's topic with the harness's own
// client and decodes each value itself (zstd and protobuf, not the reference decoder).
func headerCompressionMatchesFraming(ctx context.Context) error {
	return eachOwnDecoded(ctx, func(r recordView) error {
		want := dspb.CompressionType_COMPRESSION_TYPE_NONE
		if r.framing == 0x01 {
			want = dspb.CompressionType_COMPRESSION_TYPE_ZSTD
		}
		if got := r.header.GetCompression(); got != want {
			return fmt.Errorf("record %d/%d has framing 0x%02x but its header says compression %s", r.partition, r.offset, r.framing, got)
		}
		return nil
	})
}

func headerTimestampNearKafka(ctx context.Context, seconds int) error {
	limit := time.Duration(seconds) * time.Second
	return eachOwnDecoded(ctx, func(r recordView) error {
		ts := time.UnixMicro(r.header.GetTimestampUs())
		if d := r.kafkaTime.Sub(ts); d > limit || d < -limit {
			return fmt.Errorf("record %d/%d: header timestamp_us %d is %s, %s away from its Kafka timestamp %s",
				r.partition, r.offset, r.header.GetTimestampUs(), ts.UTC().Format(time.RFC3339Nano), d, r.kafkaTime.UTC().Format(time.RFC3339Nano))
		}
		return nil
	})
}

// recordView is a record as the harness decoded it.
type recordView struct {
	partition int32
	offset    int64
	framing   byte
	kafkaTime time.Time
	header    *dspb.Header
}

func eachOwnDecoded(ctx context.Context, check func(recordView) error) error {
	w := world(ctx)
	end, err := w.endOffsets(ctx, w.topic("events"))
	if err != nil {
		return err
	}
	recs, err := readAll(ctx, w, w.topic("events"), int(end))
	if err != nil {
		return err
	}
	zd, err := zstd.NewReader(nil)
	if err != nil {
		return err
	}
	defer zd.Close()
	for _, r := range recs {
		v := recordView{partition: r.Partition, offset: r.Offset, kafkaTime: r.Timestamp}
		if len(r.Value) == 0 {
			return fmt.Errorf("record %d/%d has an empty value", r.Partition, r.Offset)
		}
		v.framing = r.Value[0]
		body := r.Value[1:]
		switch v.framing {
		case 0x00:
		case 0x01:
			if body, err = zd.DecodeAll(body, nil); err != nil {
				return fmt.Errorf("record %d/%d: zstd: %w", r.Partition, r.Offset, err)
			}
		default:
			return fmt.Errorf("record %d/%d: framing byte 0x%02x", r.Partition, r.Offset, v.framing)
		}
		msg := &dspb.DashStreamMessage{}
		if err := proto.Unmarshal(body, msg); err != nil {
			return fmt.Errorf("record %d/%d: protobuf: %w", r.Partition, r.Offset, err)
		}
		if v.header = ownHeader(msg); v.header == nil {
			return fmt.Errorf("record %d/%d: no payload or no header", r.Partition, r.Offset)
		}
		if err := check(v); err != nil {
			return err
		}
	}
	return nil
}

// ownHeader finds the header (field 1) of whichever payload the message carries.
func ownHeader(msg *dspb.DashStreamMessage) *dspb.Header {
	m := msg.ProtoReflect()
	fd := m.WhichOneof(m.Descriptor().Oneofs().ByName("message"))
	if fd == nil {
		return nil
	}
	p := m.Get(fd).Message()
	hf := p.Descriptor().Fields().ByNumber(1)
	if hf == nil || !p.Has(hf) {
		return nil
	}
	h, _ := p.Get(hf).Message().Interface().(*dspb.Header)
	return h
}
