package kafkalocal

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func testNodes(n int) []*node {
	nodes := make([]*node, n)
	for i := range nodes {
		nodes[i] = &node{index: i, id: i + 1, port: 9000 + i, ctrlPort: 9100 + i,
			advertised: fmt.Sprintf("127.0.0.1:%d", 8000+i), dir: fmt.Sprintf("/d/kafka-%d", i)}
	}
	return nodes
}

func TestServerPropertiesOneBroker(t *testing.T) {
	nodes := testNodes(1)
	p := serverProperties(nodes[0], nodes, nil)
	require.Equal(t, "broker,controller", p["process.roles"])
	require.Equal(t, "1@127.0.0.1:9100", p["controller.quorum.voters"])
	require.Equal(t, "PLAINTEXT://127.0.0.1:9000,CONTROLLER://127.0.0.1:9100", p["listeners"])
	require.Equal(t, "1", p["default.replication.factor"])
	require.Equal(t, "1", p["min.insync.replicas"])
	require.Equal(t, "1", p["offsets.topic.replication.factor"])
	require.Equal(t, "0", p["group.initial.rebalance.delay.ms"])
}

func TestServerPropertiesThreeBrokers(t *testing.T) {
	nodes := testNodes(3)
	p := serverProperties(nodes[1], nodes, map[string]string{"num.partitions": "6"})
	require.Equal(t, "2", p["node.id"])
	require.Equal(t, "1@127.0.0.1:9100,2@127.0.0.1:9101,3@127.0.0.1:9102", p["controller.quorum.voters"])
	require.Equal(t, "PLAINTEXT://127.0.0.1:8001", p["advertised.listeners"])
	for _, k := range []string{"default.replication.factor", "offsets.topic.replication.factor", "transaction.state.log.replication.factor"} {
		require.Equal(t, "3", p[k], k)
	}
	require.Equal(t, "2", p["min.insync.replicas"])
	require.Equal(t, "2", p["transaction.state.log.min.isr"])
	require.Equal(t, "6", p["num.partitions"], "BrokerConfig wins over defaults")
}

func TestWritePropertiesSorted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "server.properties")
	require.NoError(t, writeProperties(path, map[string]string{"b": "2", "a": "1"}))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Contains(t, string(b), "a=1\nb=2\n")
}

func TestPrefixWriterKeepsLinesWhole(t *testing.T) {
	var out bytes.Buffer
	w := &prefixWriter{w: &out, prefix: "kafka-0 | "}
	_, _ = w.Write([]byte("one\ntw"))
	_, _ = w.Write([]byte("o\nthree"))
	require.Equal(t, "kafka-0 | one\nkafka-0 | two\n", out.String())
}

func TestNewClusterID(t *testing.T) {
	id := newClusterID()
	require.Len(t, id, 22)
	require.NotEqual(t, id, newClusterID())
}
