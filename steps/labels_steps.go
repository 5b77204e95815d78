package steps

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"
	"github.com/google/uuid"
	dto "github.com/prometheus/client_model/go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/wire"
	"github.com/dashstream/acceptance/reference/wire/dspb"
	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/stack"
	"github.com/dashstream/acceptance/system/sut"
)

// labelsState is the bounded-labels family's state: the tenant ids the harness wrote.
type labelsState struct {
	valid   map[string]bool // spoofed but valid tenant ids written
	invalid map[string]bool // invalid tenant ids written
	written int             // quality events written, valid or not
}

func registerLabelSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the exporter consumes the scenario's topic with its default label bounds$`, exporterDefaultBounds)
	sc.Step(`^an independent client writes (\d+) quality events, each with a tenant id of its own and the first (\d+) with a scope_id of (\d+) bytes, and between them these invalid tenant ids:$`, writeSpoofedTenants)
	sc.Step(`^the exporter's /metrics holds at most (\d+) distinct tenant label values, none of them an invalid id$`, tenantValuesBounded)
	sc.Step(`^no label value in the exporter's /metrics is longer than (\d+) bytes$`, labelValuesShort)
	sc.Step(`^the exporter counts the invalid tenant ids by reason:$`, invalidTenantsCounted)
	sc.Step(`^the exporter is still running and serves /healthz$`, exporterStillServing)
}

// exporterDefaultBounds starts the exporter on the scenario's topic with every cap at its
// default (no Prometheus: the harness scrapes it itself).
func exporterDefaultBounds(ctx context.Context) error {
	w := world(ctx)
	if err := w.need(stack.RunServices); err != nil {
		return err
	}
	topic, err := w.ensureTopic(ctx, "events")
	if err != nil {
		return err
	}
	svc, err := w.start(ctx, launch{role: sut.Exporter, name: "exporter", listen: true,
		env: map[string]string{"KAFKA_TOPICS": topic, "DLQ_TOPIC": w.topic("dlq")}})
	if err != nil {
		return err
	}
	if err := w.eventually(ctx, "the exporter to be ready (/readyz 200)", 30*time.Second, func(ctx context.Context) (bool, string, error) {
		code, err := httpStatus(ctx, svc.Addr(), w.sut.ReadyPath(sut.Exporter))
		return code == 200, fmt.Sprintf("/readyz %d", code), err
	}); err != nil {
		return fmt.Errorf("%w; exporter log:\n%s", err, svc.Log(20))
	}
	return nil
}

// invalidID reads a cell of the invalid-ids table: "(empty)", "<text>×<n>" (text repeated
// n times) or the id itself.
func invalidID(cell string) (string, error) {
	if cell == "(empty)" {
		return "", nil
	}
	if text, n, ok := strings.Cut(cell, "×"); ok {
		k, err := strconv.Atoi(strings.TrimSpace(n))
		if err != nil || k < 1 {
			return "", fmt.Errorf("invalid tenant id %q: write <text>×<count> with a count of 1 or more", cell)
		}
		return strings.Repeat(strings.TrimSpace(text), k), nil
	}
	return cell, nil
}

// writeSpoofedTenants writes n quality events with the tenant ids spoof-<scenario>-1 ... n
// (valid, each distinct), the first long of them with a scope_id of multi-byte characters
// of scopeBytes bytes, and spreads the invalid ids of the table (| tenant id | count |)
// evenly between them. The harness encodes and produces with its own franz-go client.
func writeSpoofedTenants(ctx context.Context, n, long, scopeBytes int, table *godog.Table) error {
	w := world(ctx)
	st := state[labelsState](w)
	st.valid, st.invalid = map[string]bool{}, map[string]bool{}
	rows, err := tableRows(table, "tenant id", "count")
	if err != nil {
		return err
	}
	var bad []string
	for i, r := range rows {
		id, err := invalidID(r["tenant id"])
		if err != nil {
			return fmt.Errorf("row %d: %w", i+1, err)
		}
		if wire.ValidateTenant(id) == nil {
			return fmt.Errorf("row %d: tenant id %q is valid: the table lists invalid ones", i+1, id)
		}
		c, err := strconv.Atoi(r["count"])
		if err != nil || c < 1 {
			return fmt.Errorf("row %d: count %q is not a whole number of 1 or more", i+1, r["count"])
		}
		for range c {
			bad = append(bad, id)
		}
		st.invalid[id] = true
	}
	topic, err := w.ensureTopic(ctx, "events")
	if err != nil {
		return err
	}
	cl, err := w.stack.Kafka().Client(kgo.ProducerLinger(5 * time.Millisecond))
	if err != nil {
		return err
	}
	defer cl.Close()
	enc := wire.NewEncoder()
	longScope := strings.Repeat("ü", scopeBytes/2)
	every := max(1, n/max(1, len(bad)))
	var (
		mu         sync.Mutex
		produceErr error
		failed     int
	)
	produce := func(tenant, scope string) error {
		id := uuid.New()
		msg := &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Metrics{Metrics: &dspb.Metrics{
			Header: &dspb.Header{MessageId: id[:], TenantId: tenant, ThreadId: w.name("spoof"), Sequence: uint64(st.written + 1),
				TimestampUs: time.Now().UnixMicro(), Type: dspb.MessageType_MESSAGE_TYPE_METRICS, SchemaVersion: wire.SchemaVersion},
			Scope: qualityScope, ScopeId: scope,
			Metrics: map[string]*dspb.MetricValue{"spoofed": {Type: dspb.MetricType_METRIC_TYPE_GAUGE, Value: &dspb.MetricValue_IntValue{IntValue: 1}}}}}}
		value, err := enc.Encode(msg)
		if err != nil {
			return err
		}
		st.written++
		cl.Produce(ctx, &kgo.Record{Topic: topic, Key: []byte(tenant), Value: value}, func(_ *kgo.Record, err error) {
			if err != nil {
				mu.Lock()
				failed++
				produceErr = err
				mu.Unlock()
			}
		})
		return nil
	}
	for i := range n {
		scope := "run-1"
		if i < long {
			scope = longScope
		}
		tenant := fmt.Sprintf("spoof-%s-%d", w.id, i+1)
		st.valid[tenant] = true
		if err := produce(tenant, scope); err != nil {
			return err
		}
		if i%every == every-1 && len(bad) > 0 {
			if err := produce(bad[0], "run-1"); err != nil {
				return err
			}
			bad = bad[1:]
		}
	}
	for _, id := range bad {
		if err := produce(id, "run-1"); err != nil {
			return err
		}
	}
	if err := cl.Flush(ctx); err != nil {
		return fmt.Errorf("flush %d quality events: %w", st.written, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if failed > 0 {
		return fmt.Errorf("%d of %d quality events were not acknowledged: %w", failed, st.written, produceErr)
	}
	w.rec.Evidence(evidence.Before, evidence.KindNote, "spoofed tenants written", map[string]any{
		"valid_tenants": len(st.valid), "invalid_ids": len(st.invalid), "events": st.written})
	return nil
}

// labelValues returns, for the label name, every value in fams with the series count.
func labelValues(fams map[string]*dto.MetricFamily, name string) map[string]int {
	out := map[string]int{}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == name {
					out[l.GetValue()]++
				}
			}
		}
	}
	return out
}

// tenantValuesBounded scrapes the exporter and counts the distinct values of the tenant
// label over every family: at most max, none an invalid id the harness wrote, and at most
// one value the harness never wrote (the overflow label, whatever its name).
func tenantValuesBounded(ctx context.Context, most int) error {
	w := world(ctx)
	st := state[labelsState](w)
	exp, err := w.service("exporter")
	if err != nil {
		return err
	}
	fams, err := scrapeFamilies(ctx, exp.Addr())
	if err != nil {
		return err
	}
	values := labelValues(fams, "tenant")
	var foreign, invalid []string
	for v := range values {
		switch {
		case st.invalid[v]:
			invalid = append(invalid, fmt.Sprintf("%.40q (%d bytes)", v, len(v)))
		case !st.valid[v]:
			foreign = append(foreign, v)
		}
	}
	sort.Strings(foreign)
	w.rec.Evidence(evidence.After, evidence.KindMetric, "tenant label values in the harness's scrape", map[string]any{
		"distinct": len(values), "limit": most, "not_written_by_the_harness": foreign, "invalid_ids_used": invalid,
		"tenants_written": len(st.valid)})
	var problems []string
	if len(values) > most {
		problems = append(problems, fmt.Sprintf("%d distinct tenant label values after %d tenants, more than %d", len(values), len(st.valid), most))
	}
	if len(invalid) > 0 {
		problems = append(problems, fmt.Sprintf("invalid tenant ids used as labels: %s", strings.Join(invalid, ", ")))
	}
	if len(foreign) > 1 {
		problems = append(problems, fmt.Sprintf("%d tenant values the harness never wrote (at most one overflow value): %.200v", len(foreign), foreign))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// labelValuesShort scrapes the exporter and requires every label value of every series to
// be at most n bytes.
func labelValuesShort(ctx context.Context, n int) error {
	w := world(ctx)
	exp, err := w.service("exporter")
	if err != nil {
		return err
	}
	fams, err := scrapeFamilies(ctx, exp.Addr())
	if err != nil {
		return err
	}
	longest, where := 0, ""
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if len(l.GetValue()) > longest {
					longest, where = len(l.GetValue()), name+"{"+l.GetName()+"}"
				}
			}
		}
	}
	w.rec.Evidence(evidence.After, evidence.KindMetric, "longest label value in the harness's scrape", map[string]any{"bytes": longest, "series": where, "limit": n})
	if longest > n {
		return fmt.Errorf("label %s has a value of %d bytes, longer than %d", where, longest, n)
	}
	return nil
}

// invalidTenantsCounted waits until dashstream_exporter_invalid_tenants_total{reason}
// equals each count of the | reason | count | table, and their sum the invalid events the
// harness wrote.
func invalidTenantsCounted(ctx context.Context, table *godog.Table) error {
	if err := world(ctx).needMetric(sut.Exporter, metricInvalidTenants); err != nil {
		return err
	}
	w := world(ctx)
	rows, err := tableRows(table, "reason", "count")
	if err != nil {
		return err
	}
	got := map[string]float64{}
	exp, err := w.service("exporter")
	if err != nil {
		return err
	}
	return w.eventually(ctx, "the exporter to count every invalid tenant id by reason", 30*time.Second, func(ctx context.Context) (bool, string, error) {
		fams, err := scrapeFamilies(ctx, exp.Addr())
		if err != nil {
			return false, "", err
		}
		var problems []string
		for _, r := range rows {
			v, ok := familyValue(fams, metricInvalidTenants, map[string]string{"reason": r["reason"]})
			got[r["reason"]] = v
			if !ok {
				problems = append(problems, fmt.Sprintf("missing series %s{reason=%q}", metricInvalidTenants, r["reason"]))
			} else if strconv.FormatFloat(v, 'f', -1, 64) != r["count"] {
				problems = append(problems, fmt.Sprintf("%s{reason=%q} = %v, expected %s", metricInvalidTenants, r["reason"], v, r["count"]))
			}
		}
		return len(problems) == 0, fmt.Sprintf("%v %s", got, strings.Join(problems, "; ")), nil
	})
}

// exporterStillServing requires the exporter's process to be alive and /healthz to
// answer 200.
func exporterStillServing(ctx context.Context) error {
	w := world(ctx)
	svc, err := w.service("exporter")
	if err != nil {
		return err
	}
	if !svc.Running() {
		return fmt.Errorf("the exporter is no longer running; its log:\n%s", svc.Log(20))
	}
	code, err := httpStatus(ctx, svc.Addr(), w.sut.LivePath(sut.Exporter))
	if err != nil || code != 200 {
		return fmt.Errorf("/healthz answered %d (%v), expected 200", code, err)
	}
	return nil
}
