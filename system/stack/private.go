package stack

import (
	"context"
	"maps"
	"strings"
)

// PrivateKafka is implemented by stacks that can start a Kafka cluster of their own for
// one user (a scenario) quickly, with the same broker capabilities as the shared one.
// A scenario that breaks such a cluster breaks nothing shared, so it needs no exclusive
// use of the stack.
type PrivateKafka interface {
	// NewKafka starts a cluster and returns it with the function that stops it and
	// removes its data.
	NewKafka(ctx context.Context) (Kafka, func(context.Context) error, error)
}

// WithKafka returns a view of s that hands out k instead of s's cluster: Kafka returns
// k, and the reference services it starts get k's addresses as KAFKA_BROKERS unless their
// spec sets it. Everything else is s's. Closing the view closes nothing: s belongs to
// its opener and k to whoever started it.
func WithKafka(s Stack, k Kafka) Stack {
	return &kafkaView{Stack: s, kafka: k, services: servicesOn{s.Services(), k}}
}

type kafkaView struct {
	Stack
	kafka    Kafka
	services Services
}

func (v *kafkaView) Kafka() Kafka                    { return v.kafka }
func (v *kafkaView) Services() Services              { return v.services }
func (v *kafkaView) Close(ctx context.Context) error { return nil }

// servicesOn runs services with KAFKA_BROKERS defaulting to a given cluster.
type servicesOn struct {
	Services
	kafka Kafka
}

func (s servicesOn) spec(spec ServiceSpec) ServiceSpec {
	if _, set := spec.Env["KAFKA_BROKERS"]; !set {
		env := maps.Clone(spec.Env)
		if env == nil {
			env = map[string]string{}
		}
		env["KAFKA_BROKERS"] = strings.Join(s.kafka.Bootstrap(), ",")
		spec.Env = env
	}
	return spec
}

func (s servicesOn) Start(ctx context.Context, spec ServiceSpec) (Service, error) {
	return s.Services.Start(ctx, s.spec(spec))
}

func (s servicesOn) Run(ctx context.Context, spec ServiceSpec) (Result, error) {
	return s.Services.Run(ctx, s.spec(spec))
}
