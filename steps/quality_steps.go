package steps

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cucumber/godog"
	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/wire"
	"github.com/dashstream/acceptance/reference/wire/dspb"
	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/stack"
	"github.com/dashstream/acceptance/system/sut"
)

// qualityState is the quality-metrics family's state: what the harness wrote.
type qualityState struct {
	perTenant map[string]int // quality messages written, by tenant
}

func registerQualitySteps(sc *godog.ScenarioContext) {
	sc.Step(`^the exporter consumes the scenario's topic, keeps at most (\d+) quality series, and Prometheus scrapes it$`, exporterWithSeriesCap)
	sc.Step(`^these quality values are written, one message each, in order:$`, writeQualityValues)
	sc.Step(`^the exporter's own /metrics shows exactly these quality series within (\d+) seconds:$`, qualitySeriesScraped)
	sc.Step(`^the exporter counts the quality messages written per tenant$`, qualityMessagesCounted)
	sc.Step(`^the exporter counts skipped values by reason and evicted series:$`, qualitySkipsCounted)
	sc.Step(`^Prometheus holds exactly the same quality series within (\d+) seconds$`, qualitySeriesInPrometheus)
}

// exporterWithSeriesCap starts the exporter on the scenario's topic with a small cap on
// quality series (QUALITY_MAX_SERIES), and Prometheus scraping it.
func exporterWithSeriesCap(ctx context.Context, maxSeries int) error {
	w := world(ctx)
	if err := w.need(stack.RunServices, stack.Monitoring); err != nil {
		return err
	}
	topic, err := w.ensureTopic(ctx, "events")
	if err != nil {
		return err
	}
	svc, err := w.start(ctx, launch{role: sut.Exporter, name: "exporter", listen: true,
		env: map[string]string{"KAFKA_TOPICS": topic, "DLQ_TOPIC": w.topic("dlq"), "QUALITY_MAX_SERIES": strconv.Itoa(maxSeries)}})
	if err != nil {
		return err
	}
	if err := w.eventually(ctx, "the exporter to be ready (/readyz 200)", 30*time.Second, func(ctx context.Context) (bool, string, error) {
		code, err := httpStatus(ctx, svc.Addr(), w.sut.ReadyPath(sut.Exporter))
		return code == 200, fmt.Sprintf("/readyz %d", code), err
	}); err != nil {
		return fmt.Errorf("%w; exporter log:\n%s", err, svc.Log(20))
	}
	return w.startPrometheusOn(ctx, svc)
}

// qualityRow is one row of the written table: one Metrics message with one value.
type qualityRow struct {
	tenant, scopeID, metric string
	value                   *dspb.MetricValue
}

// parseQualityValue reads "int 42", "float 0.5", "bool true", "string fine", "bytes ab"
// and the type column (COUNTER, GAUGE).
func parseQualityValue(typ, value string) (*dspb.MetricValue, error) {
	t, ok := dspb.MetricType_value["METRIC_TYPE_"+typ]
	if !ok {
		return nil, fmt.Errorf("quality value type %q: not a MetricType", typ)
	}
	kind, raw, _ := strings.Cut(value, " ")
	v := &dspb.MetricValue{Type: dspb.MetricType(t)}
	switch kind {
	case "int":
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("quality value %q: %w", value, err)
		}
		v.Value = &dspb.MetricValue_IntValue{IntValue: n}
	case "float":
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return nil, fmt.Errorf("quality value %q: %w", value, err)
		}
		v.Value = &dspb.MetricValue_FloatValue{FloatValue: f}
	case "bool":
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return nil, fmt.Errorf("quality value %q: %w", value, err)
		}
		v.Value = &dspb.MetricValue_BoolValue{BoolValue: b}
	case "string":
		v.Value = &dspb.MetricValue_StringValue{StringValue: raw}
	case "bytes":
		v.Value = &dspb.MetricValue_BytesValue{BytesValue: []byte(raw)}
	default:
		return nil, fmt.Errorf("quality value %q: expected int, float, bool, string or bytes first", value)
	}
	return v, nil
}

// writeQualityValues writes each row as its own quality event (a Metrics message with
// scope "quality"), all on one partition so the exporter reads them in order.
func writeQualityValues(ctx context.Context, table *godog.Table) error {
	w := world(ctx)
	st := state[qualityState](w)
	st.perTenant = map[string]int{}
	rows, err := tableRows(table, "tenant", "scope_id", "metric", "type", "value")
	if err != nil {
		return err
	}
	cl, err := w.stack.Kafka().Client()
	if err != nil {
		return err
	}
	defer cl.Close()
	enc := wire.NewEncoder()
	thread := w.name("quality")
	seq := map[string]uint64{}
	for i, r := range rows {
		v, err := parseQualityValue(r["type"], r["value"])
		if err != nil {
			return fmt.Errorf("row %d: %w", i+1, err)
		}
		tenant := r["tenant"]
		seq[tenant]++
		id := uuid.New()
		msg := &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Metrics{Metrics: &dspb.Metrics{
			Header: &dspb.Header{MessageId: id[:], TenantId: tenant, ThreadId: thread, Sequence: seq[tenant],
				TimestampUs: time.Now().UnixMicro(), Type: dspb.MessageType_MESSAGE_TYPE_METRICS, SchemaVersion: wire.SchemaVersion},
			Scope: "quality", ScopeId: r["scope_id"], Metrics: map[string]*dspb.MetricValue{r["metric"]: v}}}}
		value, err := enc.Encode(msg)
		if err != nil {
			return fmt.Errorf("row %d: %w", i+1, err)
		}
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: w.topic("events"), Key: []byte(thread), Value: value}).FirstErr(); err != nil {
			return fmt.Errorf("produce quality row %d: %w", i+1, err)
		}
		st.perTenant[tenant]++
	}
	w.rec.Evidence(evidence.Before, evidence.KindNote, "quality messages written", st.perTenant)
	return nil
}

// tableRows returns a table's rows as maps by header, checking the header.
func tableRows(table *godog.Table, header ...string) ([]map[string]string, error) {
	if len(table.Rows) < 2 {
		return nil, fmt.Errorf("the table has no rows")
	}
	var got []string
	for _, c := range table.Rows[0].Cells {
		got = append(got, c.Value)
	}
	if strings.Join(got, "|") != strings.Join(header, "|") {
		return nil, fmt.Errorf("table header %v, expected %v", got, header)
	}
	var out []map[string]string
	for _, row := range table.Rows[1:] {
		m := map[string]string{}
		for i, c := range row.Cells {
			m[header[i]] = c.Value
		}
		out = append(out, m)
	}
	return out, nil
}
