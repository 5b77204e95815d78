package steps

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/proc"
)

func registerTenantFrameSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the quality aggregators of tenants "([^"]*)" and "([^"]*)" write (\d+) events each to the same topic$`, twoTenantsWrite)
	sc.Step(`^the client of tenant "([^"]*)" receives (\d+) frames, every one of tenant "([^"]*)"$`, clientReceivesOnlyTenant)
	sc.Step(`^clients subscribed to tenants "([^"]*)" are connected$`, clientsConnected)
	sc.Step(`^tenants "([^"]*)" each write (\d+) events on each of (\d+) threads with the same thread names, at the same time, to the same topic$`, tenantsWriteSameThreads)
	sc.Step(`^after a settle period of (\d+) seconds, every client has exactly its tenant's frames: each thread's sequences once and in order$`, everyClientExact)
}

// settle is how long a client keeps being watched after it has what was written, so a
// late frame (another tenant's, a duplicate) is still seen.
const settle = 2 * time.Second

// wsTenantFamily is the tenant frame steps' scenario state: what each tenant wrote.
type wsTenantFamily struct {
	mu      sync.Mutex
	written map[string]map[string]int // tenant → thread → messages (sequences 1..n)
}

func (f *wsTenantFamily) wrote(tenant, thread string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.written == nil {
		f.written = map[string]map[string]int{}
	}
	if f.written[tenant] == nil {
		f.written[tenant] = map[string]int{}
	}
	f.written[tenant][thread] += n
}

func (f *wsTenantFamily) of(tenant string) (map[string]int, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	total := 0
	for _, n := range f.written[tenant] {
		total += n
	}
	return f.written[tenant], total
}

// writeTenant runs the quality aggregator once for tenant: threads threads named
// prefix0000, prefix0001, ..., n events each; args are more of its flags.
func (w *World) writeTenant(ctx context.Context, tenant, prefix string, threads, n int, args ...string) error {
	res, err := w.runProducer(ctx, map[string]string{"TENANT_ID": tenant}, append([]string{"-topic", w.topic("events"), "-threads", strconv.Itoa(threads),
		"-messages", strconv.Itoa(n), "-thread-prefix", prefix}, args...)...)
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("dashstream-produce for %s exited %d: %s", tenant, res.ExitCode, proc.LastLines(res.Stderr, 5))
	}
	st := state[wsTenantFamily](w)
	for i := range threads {
		st.wrote(tenant, fmt.Sprintf("%s%04d", prefix, i), n)
	}
	return nil
}

func twoTenantsWrite(ctx context.Context, a, b string, n int) error {
	w := world(ctx)
	for _, tenant := range []string{a, b} {
		if err := w.writeTenant(ctx, tenant, w.name("thread-"+tenant)+"-", 1, n); err != nil {
			return err
		}
	}
	return nil
}

func clientsConnected(ctx context.Context, list string) error {
	for _, t := range strings.Split(list, ",") {
		if err := clientConnected(ctx, strings.TrimSpace(t)); err != nil {
			return err
		}
	}
	return nil
}

func tenantsWriteSameThreads(ctx context.Context, list string, n, threads int) error {
	w := world(ctx)
	prefix := w.name("thread") + "-" // the same thread names for every tenant
	var wg sync.WaitGroup
	tenants := strings.Split(list, ",")
	errs := make([]error, len(tenants))
	for i, t := range tenants {
		wg.Go(func() { errs[i] = w.writeTenant(ctx, strings.TrimSpace(t), prefix, threads, n) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// exactFrames waits until the client of tenant has as many frames as its tenant wrote,
// keeps watching for the settle period, and judges every frame it received.
func (w *World) exactFrames(ctx context.Context, client, tenant string) error {
	c, ok := w.clients[client]
	if !ok {
		return fmt.Errorf("no client of tenant %s is connected", client)
	}
	want, n := state[wsTenantFamily](w).of(tenant)
	err := w.eventually(ctx, fmt.Sprintf("the %s client to receive %d frames", client, n), 20*time.Second, func(context.Context) (bool, string, error) {
		frames, disc := c.snapshot()
		if disc != nil {
			return false, "", fmt.Errorf("disconnected: %w", disc)
		}
		return len(frames) >= n, fmt.Sprintf("%d frames", len(frames)), nil
	})
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(settle):
	}
	frames, disc := c.snapshot()
	if disc != nil {
		return fmt.Errorf("the %s client was disconnected: %w", client, disc)
	}
	chk := checkFrames(frames, tenant, want)
	w.rec.Evidence(evidence.After, evidence.KindHeaders, "frames received by the "+client+" client", map[string]any{
		"frames": chk.Frames, "foreign": chk.Foreign, "threads": len(chk.Threads), "problems": fmt.Sprint(chk.Err())})
	if err := chk.Err(); err != nil {
		return fmt.Errorf("the %s client, %d frames expected: %w", client, n, err)
	}
	if len(frames) != n {
		return fmt.Errorf("the %s client received %d frames, expected exactly %d", client, len(frames), n)
	}
	return nil
}

func clientReceivesOnlyTenant(ctx context.Context, client string, n int, tenant string) error {
	w := world(ctx)
	if _, total := state[wsTenantFamily](w).of(tenant); total != n {
		return fmt.Errorf("tenant %s wrote %d events in this scenario, the step expects %d", tenant, total, n)
	}
	return w.exactFrames(ctx, client, tenant)
}

func everyClientExact(ctx context.Context, seconds int) error {
	w := world(ctx)
	if time.Duration(seconds)*time.Second != settle {
		return fmt.Errorf("the settle period is %s, not %d s", settle, seconds)
	}
	errs := make([]error, 0, len(w.clients))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for tenant := range w.clients {
		wg.Go(func() {
			if err := w.exactFrames(ctx, tenant, tenant); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return fmt.Errorf("%d of %d clients: %v", len(errs), len(w.clients), errs)
	}
	return nil
}
