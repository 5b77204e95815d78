package chaos_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/system/chaos"
	"github.com/dashstream/acceptance/system/stack"
)

// fakeService is a stack.Service that records what was done to it.
type fakeService struct {
	mu       sync.Mutex
	running  bool
	env      map[string]string
	calls    []string
	failStop bool
	// failRestarts is how many Restarts fail before one succeeds.
	failRestarts int
}

func (s *fakeService) Name() string       { return "fake" }
func (s *fakeService) Addr() string       { return "" }
func (s *fakeService) ScrapeAddr() string { return "" }
func (s *fakeService) Log(int) string     { return "" }
func (s *fakeService) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running
}
func (s *fakeService) call(name string, running bool, fail bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, name)
	if fail {
		return errors.New(name + " failed")
	}
	s.running = running
	return nil
}
func (s *fakeService) Stop(context.Context) error   { return s.call("stop", false, s.failStop) }
func (s *fakeService) Kill(context.Context) error   { return s.call("kill", false, false) }
func (s *fakeService) Pause(context.Context) error  { return s.call("pause", true, false) }
func (s *fakeService) Resume(context.Context) error { return s.call("resume", true, false) }
func (s *fakeService) Restart(context.Context) error {
	s.mu.Lock()
	fail := s.failRestarts > 0
	s.failRestarts--
	env := s.env["KAFKA_BROKERS"]
	s.mu.Unlock()
	return s.call("restart="+env, true, fail)
}
func (s *fakeService) SetEnv(k, v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.env[k] = v
}

var _ stack.Service = (*fakeService)(nil)

func TestServiceFaultsUndoOnce(t *testing.T) {
	s := openStack(t, "embedded")
	k := s.Kafka()
	bootstrap := strings.Join(k.Bootstrap(), ",")
	for _, tc := range []struct {
		make  func(stack.Service) chaos.Fault
		calls []string
	}{
		{func(svc stack.Service) chaos.Fault { return chaos.ServiceStop(svc) }, []string{"stop", "restart=" + bootstrap}},
		{func(svc stack.Service) chaos.Fault { return chaos.ServiceKill(svc) }, []string{"kill", "restart=" + bootstrap}},
		{func(svc stack.Service) chaos.Fault { return chaos.ServicePause(svc) }, []string{"pause", "resume"}},
		{func(svc stack.Service) chaos.Fault { return chaos.ServiceWrongBroker(svc, chaos.UnresolvableAddr(), k) },
			[]string{"restart=" + chaos.UnresolvableAddr(), "restart=" + bootstrap}},
	} {
		svc := &fakeService{running: true, env: map[string]string{"KAFKA_BROKERS": bootstrap}}
		f := tc.make(svc)
		t.Run(f.Name(), func(t *testing.T) {
			require.Equal(t, []stack.Capability{stack.RunServices}, f.Needs())
			ctx := context.Background()
			tl := &timeline{}
			h, err := f.Inject(ctx, tl)
			require.NoError(t, err)
			require.Equal(t, tc.calls[:1], svc.calls)
			require.NoError(t, chaos.UndoAll(ctx, h, nil, h))
			require.Equal(t, tc.calls, svc.calls, "Undo runs once")
			require.True(t, svc.Running())
			tl.requireOneSpan(t, f.Name())
		})
	}
	t.Run("a stopped service is refused", func(t *testing.T) {
		_, err := chaos.ServiceKill(&fakeService{env: map[string]string{}}).Inject(context.Background(), nil)
		require.ErrorContains(t, err, "not running before the fault")
	})
	t.Run("a failed stop leaves it running", func(t *testing.T) {
		svc := &fakeService{running: true, failStop: true, env: map[string]string{}}
		tl := &timeline{}
		_, err := chaos.ServiceStop(svc).Inject(context.Background(), tl)
		require.ErrorContains(t, err, "stop failed")
		require.True(t, svc.Running())
		require.Len(t, tl.ends, 1)
	})
}

// TestServiceFaultsOnARealService breaks a running dashstream-consume.
func TestServiceFaultsOnARealService(t *testing.T) {
	s := openStack(t, "embedded")
	k := s.Kafka()
	topic := uniqueTopic(t, "chaos-service")
	createTopic(t, k, topic, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	svc, err := s.Services().Start(ctx, stack.ServiceSpec{Name: "consume", Binary: stack.Consume,
		Args: []string{"-topic", topic, "-from-start"}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = svc.Kill(context.Background()) })

	cl := client(t, k)
	consumed := func(seq uint64, within time.Duration) {
		t.Helper()
		produceN(t, cl, message(t, topic, "acme", "t1", seq))
		require.Eventually(t, func() bool {
			return strings.Contains(svc.Log(50), `"sequence":`+strconv.FormatUint(seq, 10)+",")
		}, within, 50*time.Millisecond, "record %d not consumed; log:\n%s", seq, svc.Log(20))
	}
	consumed(1, 30*time.Second)

	h, err := chaos.ServiceKill(svc).Inject(ctx, nil)
	require.NoError(t, err)
	require.False(t, svc.Running())
	require.NoError(t, h.Undo(ctx))
	require.True(t, svc.Running())
	consumed(2, 30*time.Second)

	refuser, err := chaos.RefusingPort()
	require.NoError(t, err)
	t.Cleanup(func() { _ = refuser.Close() })
	refusing := refuser.Addr()
	tl := &timeline{}
	h, err = chaos.ServiceWrongBroker(svc, refusing, k).Inject(ctx, tl)
	require.NoError(t, err)
	chaos.UndoOnCleanup(t, h)
	require.Eventually(t, func() bool { return !svc.Running() }, 30*time.Second, 50*time.Millisecond,
		"dashstream-consume gives up on an unreachable broker")
	require.Contains(t, svc.Log(5), refusing)
	require.NoError(t, h.Undo(ctx))
	consumed(3, 30*time.Second)
	tl.requireOneSpan(t, "service-wrong-broker")
	require.Contains(t, tl.starts[0], "KAFKA_BROKERS="+refusing)
}
