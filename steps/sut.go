package steps

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/cucumber/godog"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/redis"
	"github.com/dashstream/acceptance/system/stack"
	"github.com/dashstream/acceptance/system/sut"
	"github.com/dashstream/acceptance/system/tools"
)

// launch is a start of one role of the implementation under test, in the contract's
// names; the scenario's SUT profile turns it into the implementation's program, settings
// and flags. It is the one way steps start a service.
type launch struct {
	role sut.Role
	// name is the instance's name in logs and the report ("exporter", "exporter-2").
	name string
	// env holds contract settings given as environment variables (KAFKA_TOPICS, ...).
	env map[string]string
	// flags holds contract flags in order, each with its value ("" for a switch).
	flags []sut.Setting
	// listen asks the stack for an HTTP address for the role's listen setting.
	listen bool
}

// flag appends a contract flag ("-topic") with its value ("" for a switch).
func (l launch) flag(name, value string) launch {
	l.flags = append(slices.Clone(l.flags), sut.Setting{Name: name, Value: value})
	return l
}

func (l launch) settings() []sut.Setting {
	out := make([]sut.Setting, 0, len(l.env)+len(l.flags))
	for _, k := range slices.Sorted(maps.Keys(l.env)) {
		out = append(out, sut.Setting{Name: k, Value: l.env[k]})
	}
	return append(out, l.flags...)
}

// spec translates l through the profile, starting the extra services the role needs; a
// role or setting the implementation lacks skips the scenario with the reason.
func (w *World) spec(ctx context.Context, l launch) (stack.ServiceSpec, error) {
	extras := sut.Extras{Instance: w.name(l.name)}
	if r, err := w.sut.Role(l.role); err == nil && slices.Contains(r.Needs, "redis") {
		url, err := w.redis(ctx)
		if err != nil {
			return stack.ServiceSpec{}, err
		}
		extras.RedisURL = url
	}
	bin, err := tools.BinDir()
	if err != nil {
		return stack.ServiceSpec{}, err
	}
	spec, err := w.sut.Spec(l.role, l.name, l.listen, l.settings(), extras, bin)
	if err != nil {
		return stack.ServiceSpec{}, w.lacking(err)
	}
	return spec, nil
}

// start starts a role for the scenario (see startService).
func (w *World) start(ctx context.Context, l launch) (stack.Service, error) {
	spec, err := w.spec(ctx, l)
	if err != nil {
		return nil, err
	}
	return w.startService(ctx, spec)
}

// run runs a role to completion.
func (w *World) run(ctx context.Context, l launch) (stack.Result, error) {
	spec, err := w.spec(ctx, l)
	if err != nil {
		return stack.Result{}, err
	}
	return w.stack.Services().Run(ctx, spec)
}

// lacking turns a *sut.Missing into a skip recorded with its reason (the capability is
// "sut:<what>", which a release profile may accept); other errors pass unchanged.
func (w *World) lacking(err error) error {
	var m *sut.Missing
	if !errors.As(err, &m) {
		return err
	}
	w.rec.SkipMissing(m.Error(), "sut:"+m.Capability)
	return fmt.Errorf("%s: %w", m.Error(), godog.ErrSkip)
}

// needSUT skips the scenario when the implementation lacks a capability of role.
func (w *World) needSUT(role sut.Role, capability string) error {
	if err := w.sut.Need(role, capability); err != nil {
		return w.lacking(err)
	}
	return nil
}

// needMetric skips the scenario when role does not expose a contract metric (a
// family name, or a histogram's _sum, _count or _bucket series).
func (w *World) needMetric(role sut.Role, contract string) error {
	if _, err := w.sut.MetricOf(role, contractFamily(w.sut, contract)); err != nil {
		return w.lacking(err)
	}
	return nil
}

// contractFamily returns the contract family of a series name in p's terms: a
// histogram's _bucket, _count or _sum series belongs to its family.
func contractFamily(p *sut.Profile, series string) string {
	for _, suffix := range []string{"_bucket", "_count", "_sum"} {
		if base, ok := strings.CutSuffix(series, suffix); ok {
			_, declared := p.Metrics[base] // mapped, or missing with the profile's reason
			if _, err := p.Metric(base); err == nil || declared {
				return base
			}
		}
	}
	return series
}

// needHealthField skips the scenario when the implementation's /health has no such
// field (a dotted path as the contract spells it).
func (w *World) needHealthField(contract string) error {
	if _, err := w.sut.HealthField(contract); err != nil {
		return w.lacking(err)
	}
	return nil
}

// redis starts a real Redis for the scenario, once, and returns its URL: the stack's own
// where it starts one (the containers stack: the redis image on its network), else
// redis-server as a child process on a loopback port.
func (w *World) redis(ctx context.Context) (string, error) {
	st := state[redisState](w)
	if st.url != "" {
		return st.url, nil
	}
	if rs, ok := w.stack.Services().(stack.RedisStarter); ok {
		url, stop, err := rs.StartRedis(ctx, w.name("redis"))
		if err != nil {
			return "", fmt.Errorf("the %s profile needs Redis: %w", w.sut.Name, err)
		}
		w.onCleanup("redis", stop)
		st.url = url
		w.rec.Mark(evidence.EventNote, "redis", "a Redis container for the implementation under test at "+url)
		return url, nil
	}
	r, err := redis.Start(ctx)
	if err != nil {
		return "", fmt.Errorf("the %s profile needs Redis: %w", w.sut.Name, err)
	}
	w.onCleanup("redis", r.Stop)
	st.url = r.URL()
	w.rec.Mark(evidence.EventNote, "redis", "redis-server for the implementation under test at "+r.Addr)
	return st.url, nil
}

type redisState struct{ url string }

// kafkaClientID is the client id by which the harness's proxy tells a role's Kafka
// requests from others'; a profile that does not name one skips the scenario.
func (w *World) kafkaClientID(role sut.Role) (string, error) {
	id, err := w.sut.KafkaClientID(role)
	if err != nil {
		return "", w.lacking(err)
	}
	return id, nil
}

// idLimits is where the implementation cuts a long id and the marker it appends; a
// profile that documents no cut skips the scenario.
func (w *World) idLimits() (sut.Limits, error) {
	if w.sut.Limits.MaxIDBytes <= 0 {
		return sut.Limits{}, w.lacking(&sut.Missing{Profile: w.sut.Name, Capability: "id cut",
			Reason: "the profile documents no maximum id length (limits.max_id_bytes)"})
	}
	return w.sut.Limits, nil
}
