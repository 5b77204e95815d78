package main

import (
	"encoding/json"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/reference/internal/bintest"
	"github.com/dashstream/acceptance/reference/internal/kfaketest"
	"github.com/dashstream/acceptance/reference/wire"
	"github.com/dashstream/acceptance/reference/wire/dspb"
)

func TestMain(m *testing.M) { bintest.Main(m) }

const pkg = "github.com/dashstream/acceptance/reference/cmd/dashstream-produce"

func TestBadInputExitsTwo(t *testing.T) {
	bin := bintest.Build(t, pkg)
	c, addrs := kfaketest.Cluster(t, 3, "dashstream-events")
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"tenant with slash", map[string]string{"TENANT_ID": "a/b"}, nil, "character '/' at position 2"},
		{"empty tenant", map[string]string{"TENANT_ID": ""}, nil, "it is empty"},
		{"long tenant", map[string]string{"TENANT_ID": strings.Repeat("t", 65)}, nil, "is 65 characters, longer than 64"},
		{"unicode tenant", map[string]string{"TENANT_ID": "tenänt"}, nil, "character 'ä' at position 4"},
		{"zero threads", nil, []string{"-threads", "0"}, "-threads 0 is out of range: use 1 to 100000"},
		{"tiny rate", nil, []string{"-rate", "1e-10"}, "-rate 1e-10 is out of range: use 0 = as fast as possible, else 0.001 to 1e+07"},
		{"NaN rate", nil, []string{"-rate", "NaN"}, "-rate NaN is out of range"},
		{"huge payload", nil, []string{"-payload-size", "4611686018427387904"}, "-payload-size 4611686018427387904 is out of range"},
		{"long thread prefix", nil, []string{"-thread-prefix", strings.Repeat("p", 201)}, "-thread-prefix is 201 bytes, longer than 200"},
		{"unknown kind", nil, []string{"-kind", "bogus"}, `-kind "bogus" is not event or quality`},
		{"unknown padding", nil, []string{"-padding", "zeros"}, `-padding "zeros" is not text or random`},
		{"unknown flag", nil, []string{"-nope"}, "flag provided but not defined"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"KAFKA_BROKERS": strings.Join(addrs, ",")}
			for k, v := range tc.env {
				env[k] = v
			}
			res := bintest.Run(t, 10*time.Second, env, bin, tc.args...)
			require.Equal(t, 2, res.Code, "stderr: %s", res.Stderr)
			require.Contains(t, res.Stderr, tc.want)
			require.Equal(t, 1, strings.Count(res.Stderr, "\n"), "one line: %q", res.Stderr)
			require.Empty(t, res.Stdout, "no summary when nothing was produced")
			require.Zero(t, kfaketest.Count(t, c, "dashstream-events"), "nothing may be produced")
		})
	}
	res := bintest.Run(t, 10*time.Second, map[string]string{"TENANT_ID": "a/b", "KAFKA_BROKERS": addrs[0]}, bin)
	require.True(t, strings.HasPrefix(res.Stderr, "dashstream-produce: TENANT_ID: "), res.Stderr)
}

func TestUnreachableBrokersExitTwoFast(t *testing.T) {
	bin := bintest.Build(t, pkg)
	tests := []struct{ name, brokers string }{
		{"refused port", "127.0.0.1:1"},
		{"unresolvable name", "no-such-broker.invalid:9092"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := bintest.Run(t, 20*time.Second, map[string]string{"KAFKA_BROKERS": tc.brokers}, bin, "-messages", "5")
			require.Equal(t, 2, res.Code, "stderr: %s", res.Stderr)
			require.Less(t, res.Elapsed, 10*time.Second)
			require.Contains(t, res.Stderr, tc.brokers)
			require.Contains(t, res.Stderr, "check KAFKA_BROKERS")
			require.Equal(t, 1, strings.Count(res.Stderr, "\n"), "one line: %q", res.Stderr)
		})
	}
}

func TestHangingBrokerExitsTwoAfterConnectTimeout(t *testing.T) {
	bin := bintest.Build(t, pkg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	accepted := make(chan net.Conn, 16)
	t.Cleanup(func() {
		_ = ln.Close()
		for len(accepted) > 0 {
			_ = (<-accepted).Close()
		}
	})
	go func() { // accept and never answer
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			select {
			case accepted <- conn:
			default:
				_ = conn.Close()
			}
		}
	}()
	res := bintest.Run(t, 20*time.Second, map[string]string{"KAFKA_BROKERS": ln.Addr().String()}, bin, "-connect-timeout", "1s")
	require.Equal(t, 2, res.Code, "stderr: %s", res.Stderr)
	require.Contains(t, res.Stderr, "did not answer within 1s")
	require.Less(t, res.Elapsed, 5*time.Second)
}

func TestHelpExitsZero(t *testing.T) {
	res := bintest.Run(t, 10*time.Second, nil, bintest.Build(t, pkg), "-h")
	require.Equal(t, 0, res.Code)
	require.Contains(t, res.Stderr, "-payload-size")
}

func TestProducesAndSummarises(t *testing.T) {
	bin := bintest.Build(t, pkg)
	tests := []struct {
		name  string
		args  []string
		topic string
		typ   dspb.MessageType
		total int
	}{
		{"events", []string{"-threads", "3", "-messages", "20", "-payload-size", "2000"}, "dashstream-events", dspb.MessageType_MESSAGE_TYPE_EVENT, 60},
		{"random padding", []string{"-threads", "1", "-messages", "5", "-payload-size", "2000", "-padding", "random"}, "dashstream-events", dspb.MessageType_MESSAGE_TYPE_EVENT, 5},
		{"quality to its own topic", []string{"-kind", "quality", "-threads", "2", "-messages", "5", "-rate", "200"}, "dashstream-quality", dspb.MessageType_MESSAGE_TYPE_METRICS, 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, addrs := kfaketest.Cluster(t, 3, tc.topic)
			env := map[string]string{"KAFKA_BROKERS": strings.Join(addrs, ","), "TENANT_ID": "customer-123"}
			res := bintest.Run(t, 20*time.Second, env, bin, tc.args...)
			require.Equal(t, 0, res.Code, "stderr: %s", res.Stderr)
			lines := res.Lines()
			require.Len(t, lines, 1)
			var sum summary
			require.NoError(t, json.Unmarshal([]byte(lines[0]), &sum))
			require.Equal(t, "summary", sum.Kind)
			require.Equal(t, int64(tc.total), sum.Produced)
			require.Equal(t, int64(tc.total), sum.Acked)
			require.Zero(t, sum.Failed)
			require.Equal(t, "customer-123", sum.Tenant)
			require.Equal(t, tc.topic, sum.Topic)
			require.Positive(t, sum.RatePerSecond)

			dec := wire.NewDecoder()
			for _, r := range kfaketest.ReadN(t, addrs, tc.topic, tc.total, 10*time.Second) {
				msg, err := dec.Decode(r.Value)
				require.NoError(t, err)
				h := wire.HeaderOf(msg)
				require.Equal(t, tc.typ, h.Type)
				require.Equal(t, "customer-123", h.TenantId)
				if tc.typ == dspb.MessageType_MESSAGE_TYPE_METRICS {
					require.Equal(t, "quality", msg.GetMetrics().GetScope())
				}
				if slices.Contains(tc.args, "random") {
					require.Len(t, msg.GetEvent().GetAttributes()["padding"].GetBytesValue(), 2000)
					require.Equal(t, wire.FramingPlain, r.Value[0], "random bytes do not compress: sent plain")
				}
			}
		})
	}
}

func TestRateIsRespected(t *testing.T) {
	bin := bintest.Build(t, pkg)
	_, addrs := kfaketest.Cluster(t, 1, "dashstream-events")
	res := bintest.Run(t, 20*time.Second, map[string]string{"KAFKA_BROKERS": addrs[0]}, bin,
		"-threads", "2", "-messages", "10", "-rate", "20")
	require.Equal(t, 0, res.Code, "stderr: %s", res.Stderr)
	// 20 messages at 20/s: the last slot is due after 19/20 s.
	require.GreaterOrEqual(t, res.Elapsed, 900*time.Millisecond)
}
