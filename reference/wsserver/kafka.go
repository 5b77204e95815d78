package wsserver

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/dashstream/acceptance/reference/consumer"
)

// outcomes turns franz-go's hooks into one outcome per connection attempt and one per
// request, for the breaker, the health window and dashstream_ws_kafka_errors_total. A
// connection attempt's ApiVersions request is part of the attempt: franz-go reports its
// failure to the read or write hook and then, again, to the connect hook, so only the
// connect hook's outcome counts (one failed attempt is one failure, as a proxy in front
// of the broker sees it).
type outcomes struct{ s *Server }

var (
	_ kgo.HookBrokerConnect = outcomes{}
	_ kgo.HookBrokerRead    = outcomes{}
	_ kgo.HookBrokerWrite   = outcomes{}
)

// OnBrokerConnect implements kgo.HookBrokerConnect: the outcome of a connection attempt.
func (o outcomes) OnBrokerConnect(_ kgo.BrokerMetadata, _ time.Duration, _ net.Conn, err error) {
	o.s.outcome(err)
}

// OnBrokerRead implements kgo.HookBrokerRead: the outcome of a request.
func (o outcomes) OnBrokerRead(_ kgo.BrokerMetadata, key int16, _ int, _, _ time.Duration, err error) {
	if key != kmsg.ApiVersions.Int16() {
		o.s.outcome(err)
	}
}

// OnBrokerWrite implements kgo.HookBrokerWrite; only failures matter (a written request
// has its outcome when its response is read).
func (o outcomes) OnBrokerWrite(_ kgo.BrokerMetadata, key int16, _ int, _, _ time.Duration, err error) {
	if err != nil && key != kmsg.ApiVersions.Int16() {
		o.s.outcome(err)
	}
}

// outcome feeds one success (nil) or failure to the health window, /health's
// kafka_status and the breaker; errors of the client's own making (shutdown, a
// connection it closed) are neither.
func (s *Server) outcome(err error) {
	switch {
	case err == nil:
		s.track.kafkaOutcome(true)
		s.record(true, false)
	case errors.Is(err, context.Canceled) || errors.Is(err, kgo.ErrClientClosed) || errors.Is(err, net.ErrClosed):
	default:
		s.m.kafkaErrors.Inc()
		s.track.kafkaOutcome(false)
		s.record(false, false)
	}
}

// record reports a success or failure to the breaker and logs its transitions. probe is
// true for the outcome of a half-open probe; in half-open only probes count as
// successes (traffic the consumer resumes on its own is not a paced probe).
func (s *Server) record(ok, probe bool) {
	now := s.cfg.now()
	s.bmu.Lock()
	from := s.breaker.state // before State(now) moves open to half-open
	if st := s.breaker.State(now); ok && (st == HalfOpen) != probe {
		s.bmu.Unlock()
		s.logTransition(from, st, s.breaker.Config())
		return // a success outside half-open from a probe, or in half-open from other traffic
	}
	var to BreakerState
	if ok {
		to = s.breaker.Success(now)
	} else {
		to = s.breaker.Failure(now)
	}
	cfg := s.breaker.Config()
	s.bmu.Unlock()
	s.logTransition(from, to, cfg)
}

// breakerState returns the breaker's state now (open turns half-open with time).
func (s *Server) breakerState() BreakerState {
	now := s.cfg.now()
	s.bmu.Lock()
	from := s.breaker.state
	to := s.breaker.State(now)
	cfg := s.breaker.Config()
	s.bmu.Unlock()
	s.logTransition(from, to, cfg)
	return to
}

// logTransition logs a change of breaker state; an open breaker that half-opened and
// closed or reopened within one event logs both steps.
func (s *Server) logTransition(from, to BreakerState, cfg BreakerConfig) {
	if from == to {
		return
	}
	if from == Open {
		s.cfg.log.Info("circuit breaker half-open: probing kafka")
	}
	switch to {
	case Open:
		s.cfg.log.Warn("circuit breaker open: kafka retries paused", "for", cfg.OpenFor.String(), "from", from.String())
	case Closed:
		s.cfg.log.Info("circuit breaker closed: kafka is back", "after_probes", cfg.CloseAfter)
	}
}

// gate is the Guard's floor on retry delays: the time left until an open breaker
// half-opens.
func (s *Server) gate() time.Duration {
	s.breakerState() // notices and logs a half-open transition
	now := s.cfg.now()
	s.bmu.Lock()
	defer s.bmu.Unlock()
	return s.breaker.RemainingOpen(now)
}

// onRecord fans a decoded record out to its tenant's clients; it runs on the poll loop
// and never blocks on a client.
func (s *Server) onRecord(_ context.Context, r consumer.Record) {
	s.track.message()
	value := s.raw.take(r.Topic, r.Partition, r.Offset)
	clients := s.hub.of(r.Header.GetTenantId())
	if len(clients) == 0 {
		return
	}
	var text []byte
	ts := r.Header.GetTimestampUs()
	for _, c := range clients {
		f := outFrame{binary: c.binary, tsUs: ts, data: value}
		if !c.binary {
			if text == nil {
				b, err := jsonFrame(r)
				if err != nil {
					s.track.infraError()
					s.cfg.log.Error("render frame", "error", err.Error(), "topic", r.Topic, "offset", r.Offset)
					return
				}
				text = b
			}
			f.data = text
		}
		dropped, cut := c.push(f, s.cfg.disconnectAfter)
		if dropped > 0 {
			s.m.dropped.WithLabelValues(DropQueueFull).Add(float64(dropped))
			s.track.droppedFrames(dropped)
		}
		if cut {
			s.cfg.log.Warn("websocket client too slow: disconnecting", "client", c.id, "tenant", c.tenant,
				"dropped", s.cfg.disconnectAfter)
			go func() { _ = c.conn.Close(statusTooSlow, "too slow: frames dropped") }()
		}
	}
}

func (s *Server) onDecodeError(_ context.Context, r *kgo.Record, _ error) {
	s.raw.take(r.Topic, r.Partition, r.Offset)
	s.track.decodeError()
}

// rawValues keeps the values of the records of the current poll, so a binary client gets
// the record value exactly as it was on Kafka. franz-go hands a polled record to the hook
// before the poll returns; the consumer's callbacks take it; a new poll forgets the rest.
type rawValues struct {
	mu sync.Mutex
	m  map[rawKey][]byte
}

type rawKey struct {
	topic     string
	partition int32
	offset    int64
}

var (
	_ kgo.HookFetchRecordUnbuffered = (*rawValues)(nil)
	_ kgo.HookPollStart             = (*rawValues)(nil)
)

// OnFetchRecordUnbuffered implements kgo.HookFetchRecordUnbuffered.
func (v *rawValues) OnFetchRecordUnbuffered(r *kgo.Record, polled bool) {
	if !polled {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil {
		v.m = map[rawKey][]byte{}
	}
	v.m[rawKey{r.Topic, r.Partition, r.Offset}] = r.Value
}

// OnPollStart implements kgo.HookPollStart: the previous poll's records were all handled.
func (v *rawValues) OnPollStart(context.Context) {
	v.mu.Lock()
	defer v.mu.Unlock()
	clear(v.m)
}

func (v *rawValues) take(topic string, partition int32, offset int64) []byte {
	v.mu.Lock()
	defer v.mu.Unlock()
	k := rawKey{topic, partition, offset}
	b := v.m[k]
	delete(v.m, k)
	return b
}
