package steps

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/dashstream/acceptance/system/proc"
	"github.com/dashstream/acceptance/system/sut"
)

func registerTenantSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the quality aggregator is deployed with TENANT_ID "([^"]*)"$`, deployedWithTenant)
	sc.Step(`^the quality aggregator is deployed with TENANT_ID set to (.+)$`, deployedWithTenant)
	sc.Step(`^the quality aggregator is deployed without TENANT_ID$`, deployedWithoutTenant)
	sc.Step(`^it writes (\d+) quality events on (\d+) threads?$`, writesQuality)
	sc.Step(`^it tries to write (\d+) quality events on (\d+) threads?$`, triesToWriteQuality)
	sc.Step(`^it exits with status (\d+) within (\d+) seconds$`, exitsWithin)
	sc.Step(`^its error names the rule "([^"]*)"$`, errorNamesRule)
	sc.Step(`^the quality topic holds no records$`, qualityTopicEmpty)
	sc.Step(`^(\d+) quality records are read back from Kafka by an independent decoder$`, qualityReadBack)
	sc.Step(`^every record read back carries tenant_id "([^"]*)"$`, everyRecordCarriesTenant)
}

// tenantValue turns a readable description from a feature into the value itself:
// "(empty)" is the empty string, "(N characters)" is N letters.
func tenantValue(s string) string {
	s = strings.Trim(s, `"`)
	if s == "(empty)" {
		return ""
	}
	var n int
	if _, err := fmt.Sscanf(s, "(%d characters)", &n); err == nil {
		return strings.Repeat("t", n)
	}
	return s
}

func deployedWithTenant(ctx context.Context, tenant string) error {
	w := world(ctx)
	w.tenant, w.tenantSet = tenantValue(tenant), true
	return nil
}

func deployedWithoutTenant(ctx context.Context) error {
	w := world(ctx)
	w.tenant, w.tenantSet = "", false
	return nil
}

// producerEnv is the environment of the scenario's quality aggregator.
func (w *World) producerEnv() map[string]string {
	env := map[string]string{}
	if w.tenantSet {
		env["TENANT_ID"] = w.tenant
	}
	return env
}

func triesToWriteQuality(ctx context.Context, messages, threads int) error {
	if err := world(ctx).needSUT(sut.Aggregator, "writer-contract"); err != nil {
		return err
	}
	w := world(ctx)
	topic, err := w.ensureTopic(ctx, "quality")
	if err != nil {
		return err
	}
	_, err = w.runProducer(ctx, w.producerEnv(), "-kind", "quality", "-topic", topic,
		"-threads", strconv.Itoa(threads), "-messages", strconv.Itoa(messages), "-thread-prefix", w.name("thread")+"-")
	return err
}

func writesQuality(ctx context.Context, messages, threads int) error {
	if err := world(ctx).needSUT(sut.Aggregator, "writer-contract"); err != nil {
		return err
	}
	if err := triesToWriteQuality(ctx, messages, threads); err != nil {
		return err
	}
	if res := state[runState](world(ctx)).last; res.ExitCode != 0 {
		return fmt.Errorf("dashstream-produce exited %d: %s", res.ExitCode, proc.LastLines(res.Stderr, 5))
	}
	return nil
}

func exitsWithin(ctx context.Context, code, seconds int) error {
	res := state[runState](world(ctx)).last
	if res == nil {
		return fmt.Errorf("no program ran in this scenario")
	}
	if res.ExitCode != code {
		return fmt.Errorf("exit status %d, expected %d; stderr: %s", res.ExitCode, code, proc.LastLines(res.Stderr, 5))
	}
	if limit := time.Duration(seconds) * time.Second; res.Duration > limit {
		return fmt.Errorf("it took %.1f s to exit, more than %s", res.Duration.Seconds(), limit)
	}
	return nil
}

func errorNamesRule(ctx context.Context, rule string) error {
	res := state[runState](world(ctx)).last
	stderr := strings.TrimSpace(res.Stderr)
	if !strings.Contains(stderr, rule) {
		return fmt.Errorf("the error does not name %q: %q", rule, stderr)
	}
	if n := strings.Count(stderr, "\n") + 1; n != 1 {
		return fmt.Errorf("the error is %d lines, expected one: %q", n, stderr)
	}
	return nil
}

func qualityTopicEmpty(ctx context.Context) error {
	w := world(ctx)
	n, err := w.endOffsets(ctx, w.topic("quality"))
	if err != nil {
		return err
	}
	if n != 0 {
		return fmt.Errorf("the quality topic holds %d records, expected none", n)
	}
	return nil
}

func qualityReadBack(ctx context.Context, n int) error {
	w := world(ctx)
	recs, err := w.readBack(ctx, w.topic("quality"), n, 30*time.Second)
	w.records = recs
	if err != nil {
		return err
	}
	if total, err := w.endOffsets(ctx, w.topic("quality")); err != nil || total != int64(n) {
		return fmt.Errorf("the quality topic holds %d records (%v), expected exactly %d", total, err, n)
	}
	return nil
}

func everyRecordCarriesTenant(ctx context.Context, tenant string) error {
	w := world(ctx)
	if len(w.records) == 0 {
		return fmt.Errorf("no records were read back")
	}
	tenants := map[string]int{}
	for _, r := range w.records {
		if r.Err != nil {
			return fmt.Errorf("record at %d/%d does not decode: %w", r.Partition, r.Offset, r.Err)
		}
		tenants[r.Header.GetTenantId()]++
	}
	if len(tenants) != 1 || tenants[tenant] != len(w.records) {
		return fmt.Errorf("tenant ids read back: %v, expected all %d to be %q", tenants, len(w.records), tenant)
	}
	w.rec.Evidence("after", "headers", "tenant ids read back", tenants)
	return nil
}
