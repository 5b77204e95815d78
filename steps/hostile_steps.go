package steps

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/chaos"
	"github.com/dashstream/acceptance/system/observe/wiredecode"
	"github.com/dashstream/acceptance/system/proc"
	"github.com/dashstream/acceptance/system/stack"
	"github.com/dashstream/acceptance/system/sut"
)

// hostileServices are the services a hostile-input scenario runs, by their spec names,
// in the order the steps report them.
var hostileServices = []string{"consumer", "exporter", "wsserver"}

func registerHostileSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the consumer, the exporter and the WebSocket server run on the topic with their default settings$`, hostileServicesRun)
	sc.Step(`^the consumer, the exporter and the WebSocket server (are paused|resume)$`, pauseServices)
	sc.Step(`^an independent client writes (\d+) valid records of tenant "([^"]*)" that each expand to (\d+) MiB$`, writesExpanding)
	sc.Step(`^the consumer, the exporter and the WebSocket server each count (\d+) messages received and no decode failure$`, servicesCountReceived)
	sc.Step(`^every service still answers: the consumer's /metrics, the exporter's /readyz, the WebSocket server's /health$`, servicesAnswer)
	sc.Step(`^the peak resident memory of each service, read by the harness from /proc, is under (\d+) MiB$`, peakMemoryUnder)
	sc.Step(`^after a settle period, the client of tenant "([^"]*)" has a frame for each record of its tenant Kafka holds, each once$`, clientHasTenantRecords)
}

// hostileServicesRun starts the three consuming services on the scenario's events topic
// with their default settings (the documented decode budget is what is judged), and
// waits until each answers. The memory verdict reads /proc of their processes, so the
// scenario needs services on the harness's host.
func hostileServicesRun(ctx context.Context) error {
	w := world(ctx)
	if err := w.need(stack.RunServices, stack.HostServices); err != nil {
		return err
	}
	topic, err := w.ensureTopic(ctx, "events")
	if err != nil {
		return err
	}
	cons, err := w.startConsumer(ctx, topic)
	if err != nil {
		return err
	}
	exp, err := w.start(ctx, launch{role: sut.Exporter, name: "exporter", listen: true,
		env: map[string]string{"KAFKA_TOPICS": topic, "DLQ_TOPIC": w.topic("dlq")}})
	if err != nil {
		return err
	}
	if err := w.startWSServer(ctx, map[string]string{}); err != nil {
		return err
	}
	return w.eventually(ctx, "the consumer's /metrics and the exporter's /readyz to answer 200", 30*time.Second, func(ctx context.Context) (bool, string, error) {
		addr, err := metricsAddr(cons)
		if err != nil {
			return false, err.Error(), nil
		}
		mc, _ := httpStatus(ctx, addr, "/metrics")
		rc, _ := httpStatus(ctx, exp.Addr(), w.sut.ReadyPath(sut.Exporter))
		return mc == 200 && rc == 200, fmt.Sprintf("consumer /metrics %d, exporter /readyz %d", mc, rc), nil
	})
}

// hostilePauses is the hostile family's state: the services' pauses, undone by resume.
type hostilePauses struct{ handles []chaos.Handle }

// pauseServices pauses (chaos.ServicePause, SIGSTOP) or resumes the three services; a
// pause is on the timeline and undone in cleanup if the scenario does not resume them.
func pauseServices(ctx context.Context, what string) error {
	w := world(ctx)
	st := state[hostilePauses](w)
	if what == "resume" {
		err := chaos.UndoAll(ctx, st.handles...)
		st.handles = nil
		return err
	}
	for _, name := range hostileServices {
		svc, ok := w.services[name]
		if !ok {
			return fmt.Errorf("no %s runs in this scenario", name)
		}
		h, err := chaos.ServicePause(svc).Inject(ctx, w.rec)
		if err != nil {
			return fmt.Errorf("pause the %s: %w", name, err)
		}
		st.handles = append(st.handles, h)
		w.onCleanup("resume "+name, h.Undo)
	}
	return nil
}

// writesExpanding produces n valid events of tenant on one thread of their own, each a
// zstd frame the harness compressed itself that decodes to size MiB (chaos.Forge with
// Expand): about 3 KiB on the wire each.
func writesExpanding(ctx context.Context, n int, tenant string, sizeMiB int) error {
	w := world(ctx)
	topic, err := w.ensureTopic(ctx, "events")
	if err != nil {
		return err
	}
	thread := w.name("expanding")
	headers := make([]chaos.ForgedHeader, n)
	for i := range headers {
		headers[i] = chaos.ForgedHeader{Tenant: tenant, Thread: thread, Sequence: uint64(i + 1), Expand: sizeMiB << 20}
	}
	f := chaos.Forge(w.stack.Kafka(), topic, headers)
	h, err := f.Inject(ctx, w.rec)
	if err != nil {
		return err
	}
	w.onCleanup("expanding records", h.Undo)
	w.rec.Evidence(evidence.During, evidence.KindNote, "records that expand", map[string]any{
		"count": n, "tenant": tenant, "thread": thread, "decoded_bytes_each": sizeMiB << 20, "producer": f.Producer()})
	return nil
}

// servicesCountReceived waits until each service counts n messages received, with the
// topic's end offsets (what Kafka holds, not what a service says) equal to n, and no
// decode failure anywhere: every record, hostile or not, was decoded once.
func servicesCountReceived(ctx context.Context, n int) error {
	w := world(ctx)
	total, err := w.endOffsets(ctx, w.topic("events"))
	if err != nil {
		return err
	}
	if total != int64(n) {
		return fmt.Errorf("the topic holds %d records, the scenario expects %d", total, n)
	}
	cons, err := w.service("consumer")
	if err != nil {
		return err
	}
	if err := w.consumerSeen(ctx, cons, n, 90*time.Second); err != nil {
		return err
	}
	if v := viewOf(cons); len(v.decodeErrors) > 0 {
		return fmt.Errorf("the consumer printed %d decode errors, expected none", len(v.decodeErrors))
	}
	for _, name := range hostileServices[1:] {
		svc, err := w.service(name)
		if err != nil {
			return err
		}
		var got map[string]float64
		err = w.eventually(ctx, fmt.Sprintf("the %s to count %d messages received", name, n), 90*time.Second, func(ctx context.Context) (bool, string, error) {
			m, err := scrape(ctx, svc.Addr())
			if err != nil {
				return false, err.Error(), nil
			}
			got = m
			return m["dashstream_messages_received_total"] >= float64(n), fmt.Sprintf("received %v", m["dashstream_messages_received_total"]), nil
		})
		if err != nil {
			return err
		}
		w.rec.Evidence(evidence.After, evidence.KindMetric, name+" counts", map[string]any{
			"received": got["dashstream_messages_received_total"], "decode_failures": got["dashstream_decode_failures_total"], "records_in_topic": total})
		if r := got["dashstream_messages_received_total"]; r != float64(n) {
			return fmt.Errorf("the %s counted %v messages received, the topic holds %d", name, r, n)
		}
		if f := got["dashstream_decode_failures_total"]; f != 0 {
			return fmt.Errorf("the %s counted %v decode failures, expected none: every record is valid", name, f)
		}
	}
	return nil
}

// servicesAnswer requires each service's HTTP endpoint to answer 200 now.
func servicesAnswer(ctx context.Context) error {
	w := world(ctx)
	svcs := map[string]stack.Service{}
	for _, name := range hostileServices {
		svc, err := w.service(name)
		if err != nil {
			return err
		}
		svcs[name] = svc
	}
	addr, err := metricsAddr(svcs["consumer"])
	if err != nil {
		return err
	}
	var problems []string
	for _, e := range []struct{ name, addr, path string }{
		{"consumer", addr, "/metrics"}, {"exporter", svcs["exporter"].Addr(), w.sut.ReadyPath(sut.Exporter)}, {"wsserver", svcs["wsserver"].Addr(), "/health"},
	} {
		if !svcs[e.name].Running() {
			problems = append(problems, e.name+" is not running")
			continue
		}
		if code, err := httpStatus(ctx, e.addr, e.path); code != 200 {
			problems = append(problems, fmt.Sprintf("%s %s answered %d (%v)", e.name, e.path, code, err))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("not every service serves: %s", strings.Join(problems, "; "))
	}
	return nil
}

// peakMemoryUnder reads VmHWM (the kernel's high-water mark of resident memory since the
// process started) from /proc/<pid>/status of each service's process and requires it
// under limit. The services are still running: the peak covers everything they did.
func peakMemoryUnder(ctx context.Context, limitMiB int) error {
	w := world(ctx)
	var problems []string
	peaks := map[string]any{}
	for _, name := range hostileServices {
		svc, err := w.service(name)
		if err != nil {
			return err
		}
		p, ok := svc.(interface{ PID() int })
		if !ok || p.PID() == 0 || !svc.Running() {
			return fmt.Errorf("the harness cannot read /proc of the %s's process (not a running child process)", name)
		}
		m, err := proc.ReadMem(p.PID())
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		peaks[name] = map[string]any{"pid": p.PID(), "vm_hwm_bytes": m.HWM, "vm_rss_bytes": m.RSS, "vm_hwm_mib": m.HWM >> 20}
		if m.HWM >= int64(limitMiB)<<20 {
			problems = append(problems, fmt.Sprintf("%s peaked at %d MiB", name, m.HWM>>20))
		}
	}
	w.rec.Evidence(evidence.After, evidence.KindNote, "peak resident memory from /proc/<pid>/status", peaks)
	if len(problems) > 0 {
		return fmt.Errorf("resident memory above %d MiB: %s", limitMiB, strings.Join(problems, "; "))
	}
	return nil
}

// clientHasTenantRecords waits a settle period, then requires the client of tenant to
// hold exactly one frame for each record of that tenant the topic holds, as the harness's
// own decoder reads them, and none of another tenant.
func clientHasTenantRecords(ctx context.Context, tenant string) error {
	w := world(ctx)
	c, ok := w.clients[tenant]
	if !ok {
		return fmt.Errorf("no client of tenant %s is connected", tenant)
	}
	recs, err := w.allRecords(ctx)
	if err != nil {
		return err
	}
	dec := wiredecode.New()
	want := map[string]bool{}
	for _, r := range recs {
		d, err := dec.Decode(r.Value)
		if err != nil {
			return fmt.Errorf("the harness cannot decode %s/%d/%d: %w", r.Topic, r.Partition, r.Offset, err)
		}
		if d.Header.TenantID == tenant {
			want[fmt.Sprintf("%s/%d/%d", r.Topic, r.Partition, r.Offset)] = true
		}
	}
	if err := w.eventually(ctx, fmt.Sprintf("the client to have %d frames", len(want)), 30*time.Second, func(context.Context) (bool, string, error) {
		frames, _ := c.snapshot()
		return len(frames) >= len(want), fmt.Sprintf("%d frames", len(frames)), nil
	}); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(settle):
	}
	frames, disc := c.snapshot()
	if disc != nil {
		return fmt.Errorf("the client was disconnected: %w", disc)
	}
	var problems []string
	seen := map[string]bool{}
	for _, f := range frames {
		k := fmt.Sprintf("%s/%d/%d", f.Topic, f.Partition, f.Offset)
		switch {
		case f.Problem != "":
			problems = append(problems, f.Problem)
		case f.TenantID != tenant:
			problems = append(problems, fmt.Sprintf("%s of tenant %q", k, f.TenantID))
		case seen[k]:
			problems = append(problems, k+" twice")
		case !want[k]:
			problems = append(problems, k+" is no record of the tenant on Kafka")
		}
		seen[k] = true
	}
	for k := range want {
		if !seen[k] {
			problems = append(problems, k+" never arrived")
		}
	}
	w.rec.Evidence(evidence.After, evidence.KindHeaders, "the client's frames against the tenant's records", map[string]any{
		"tenant": tenant, "records": len(want), "frames": len(frames), "problems": len(problems)})
	if len(problems) > 0 {
		slices.Sort(problems)
		return fmt.Errorf("%d records of tenant %s on Kafka, %d frames: %s", len(want), tenant, len(frames), abbrevItems(problems))
	}
	return nil
}
