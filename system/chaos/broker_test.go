package chaos_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/system/chaos"
	"github.com/dashstream/acceptance/system/stack"
)

// TestBrokerOutages injects every broker outage, checks that a produce is not delivered
// while it lasts, undoes it and checks that the held record and a new one are.
func TestBrokerOutages(t *testing.T) {
	for _, name := range stacks() {
		t.Run(name, func(t *testing.T) {
			s := openStack(t, name)
			k := s.Kafka()
			b := k.Brokers()[0]
			topic := uniqueTopic(t, "chaos-outage")
			createTopic(t, k, topic, 1)
			cl := client(t, k)
			produceN(t, cl, recordOf(topic, "before"))
			for _, f := range chaos.BrokerOutages(b) {
				t.Run(f.Name(), func(t *testing.T) {
					require.Empty(t, stack.Missing(s, f.Needs()...))
					ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
					defer cancel()
					tl := &timeline{}
					start := time.Now()
					h, err := f.Inject(ctx, tl)
					require.NoError(t, err)
					chaos.UndoOnCleanup(t, h)
					injected := time.Since(start)

					held := produceAsync(cl, recordOf(topic, "during "+f.Name()))
					requireNotDelivered(t, held, 2*time.Second)

					start = time.Now()
					require.NoError(t, h.Undo(ctx))
					undone := time.Since(start)
					start = time.Now()
					requireAcked(t, held, 30*time.Second)
					heldAcked := time.Since(start)
					requireAcked(t, produceAsync(cl, recordOf(topic, "after "+f.Name())), 30*time.Second)
					t.Logf("%s on %s: inject %s, undo %s, held record acknowledged %s after undo",
						f.Name(), name, injected.Round(time.Millisecond), undone.Round(time.Millisecond), heldAcked.Round(time.Millisecond))

					require.NoError(t, h.Undo(ctx), "a second Undo is a no-op")
					tl.requireOneSpan(t, f.Name())
				})
			}
		})
	}
}
