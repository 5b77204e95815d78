package containers

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/system/stack"
)

func TestAlias(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"exporter", "exporter"},
		{"Quality Agg", "quality-agg"},
		{"ws_server.1", "ws-server-1"},
		{"!!!", "service"},
	} {
		require.Equal(t, tc.want, alias(tc.in), tc.in)
	}
}

func TestUniqueAliasPerStack(t *testing.T) {
	s := &services{}
	for _, tc := range []struct{ in, want string }{
		{"exporter", "exporter"},
		{"wsserver", "wsserver"},
		{"Exporter", "exporter-2"},
		{"exporter", "exporter-3"},
		{"exporter-2", "exporter-2-2"}, // named like an alias already handed out
		{"exporter-3", "exporter-3-2"},
		{"exporter", "exporter-4"},
	} {
		require.Equal(t, tc.want, s.uniqueAlias(tc.in), tc.in)
	}
}

func TestTailArgZeroMeansAll(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{{0, "all"}, {-1, "all"}, {1, "1"}, {200, "200"}} {
		require.Equal(t, tc.want, tailArg(tc.n), tc.n)
	}
}

func TestImageFromEnvironment(t *testing.T) {
	for _, c := range []Component{Kafka, Prometheus, Alertmanager, Exporter, WSServer, Produce, Consume} {
		t.Setenv(EnvVar(c), "")
		require.NotEmpty(t, Image(c), c)
		t.Setenv(EnvVar(c), "registry.example/x/"+string(c)+":1")
		require.Equal(t, "registry.example/x/"+string(c)+":1", Image(c))
	}
	require.Equal(t, "DASHSTREAM_IMAGE_WSSERVER", EnvVar(WSServer))
	require.Equal(t, "dashstream-local/kafka:dev", LocalImage(Kafka))
}

func TestKafkaEnvAdvertisesBothListeners(t *testing.T) {
	env := kafkaEnv("127.0.0.1:40123")
	require.Equal(t, "INTERNAL://kafka:19092,EXTERNAL://127.0.0.1:40123", env["KAFKA_ADVERTISED_LISTENERS"])
	require.Equal(t, "INTERNAL", env["KAFKA_INTER_BROKER_LISTENER_NAME"])
	for _, l := range strings.Split(env["KAFKA_LISTENERS"], ",") {
		name, _, _ := strings.Cut(l, "://")
		require.Contains(t, env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"], name+":PLAINTEXT")
	}
	require.Equal(t, InternalBootstrap, "kafka:19092")
}

func TestCapabilitiesAndRegistration(t *testing.T) {
	require.Contains(t, stack.Names(), "containers")
	s := &Stack{}
	for _, c := range []stack.Capability{stack.KillBroker, stack.StopBroker, stack.PauseBroker, stack.NetworkFaults,
		stack.DeleteRecords, stack.RunServices, stack.Monitoring, stack.ReceiveAlerts, stack.Destructive} {
		require.True(t, stack.Has(s, c), c)
	}
	require.False(t, stack.Has(s, stack.MultiBroker))
}

func TestOpenRefusesThreeBrokers(t *testing.T) {
	_, err := stack.Open(t.Context(), "containers", stack.Brokers(3))
	require.ErrorContains(t, err, "runs one broker, 3 asked")
}
