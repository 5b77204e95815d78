package chaos_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/chaos"
)

var _ chaos.Timeline = (*evidence.Recorder)(nil)

func TestTheEvidenceRecorderIsATimeline(t *testing.T) {
	rec := evidence.NewRun("embedded", 1).Start(evidence.Meta{ID: "s1", Name: "scenario"})
	svc := &fakeService{running: true, env: map[string]string{}}
	h, err := chaos.ServiceKill(svc).Inject(context.Background(), rec)
	require.NoError(t, err)
	require.NoError(t, h.Undo(context.Background()))
	require.NoError(t, h.Undo(context.Background()))

	var kinds, spans []string
	for _, ev := range rec.Snapshot().Timeline {
		kinds = append(kinds, ev.Kind+" "+ev.Name)
		spans = append(spans, ev.Span)
	}
	require.Equal(t, []string{evidence.EventFaultStart + " service-kill", evidence.EventFaultEnd + " service-kill"}, kinds)
	require.Equal(t, spans[0], spans[1])
}

func TestAFailedUndoKeepsTheSpanOpenAndIsRetried(t *testing.T) {
	svc := &fakeService{running: true, env: map[string]string{}, failRestarts: 1}
	tl := &timeline{}
	h, err := chaos.ServiceStop(svc).Inject(context.Background(), tl)
	require.NoError(t, err)
	require.ErrorContains(t, h.Undo(context.Background()), "restart= failed")
	require.Empty(t, tl.ends, "the fault is not over")
	require.NoError(t, h.Undo(context.Background()))
	require.Equal(t, []string{"stop", "restart=", "restart="}, svc.calls)
	tl.requireOneSpan(t, "service-stop")
}

func TestNilTimelineIsAllowed(t *testing.T) {
	svc := &fakeService{running: true, env: map[string]string{}}
	h, err := chaos.ServicePause(svc).Inject(context.Background(), nil)
	require.NoError(t, err)
	require.NoError(t, h.Undo(context.Background()))
}

// cleaner records what UndoOnCleanup registers and reports.
type cleaner struct {
	fns    []func()
	errors []string
}

func (c *cleaner) Cleanup(fn func()) { c.fns = append(c.fns, fn) }
func (c *cleaner) Errorf(format string, args ...any) {
	c.errors = append(c.errors, fmt.Sprintf(format, args...))
}

func TestUndoAllAndUndoOnCleanup(t *testing.T) {
	first := &fakeService{running: true, env: map[string]string{}}
	second := &fakeService{running: true, env: map[string]string{}, failRestarts: 1}
	ctx := context.Background()
	h1, err := chaos.ServiceKill(first).Inject(ctx, nil)
	require.NoError(t, err)
	h2, err := chaos.ServiceKill(second).Inject(ctx, nil)
	require.NoError(t, err)
	err = chaos.UndoAll(ctx, h1, nil, h2)
	require.ErrorContains(t, err, "restart= failed", "the error of the second is returned")
	require.Equal(t, []string{"kill", "restart="}, first.calls, "the first is undone even though the second failed")

	c := &cleaner{}
	chaos.UndoOnCleanup(c, h2)
	chaos.UndoOnCleanup(c, nil)
	require.Len(t, c.fns, 1)
	c.fns[0]()
	require.Empty(t, c.errors)
	require.True(t, second.Running())
}
