package wire

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/dashstream/acceptance/reference/wire/dspb"
)

var update = flag.Bool("update", false, "rewrite fixtures/wire/golden.json from goldenMessages")

const goldenPath = "../../fixtures/wire/golden.json"

// goldenVector is one entry of fixtures/wire/golden.json.
type goldenVector struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Framing     string          `json:"framing"`
	Hex         string          `json:"hex"`
	Message     json.RawMessage `json:"message"`
}

func goldenHeader(seq uint64, typ dspb.MessageType) *dspb.Header {
	return &dspb.Header{
		MessageId:     []byte{0x5f, 0x0c, 0x6e, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x8f, 0x70, 0x81, 0x92, 0xa3, 0xb4, 0xc5, 0xd6},
		TimestampUs:   1_764_331_200_000_000, // 2025-11-28T12:00:00Z
		TenantId:      "customer-123",
		ThreadId:      "thread-0001",
		Sequence:      seq,
		Type:          typ,
		SchemaVersion: SchemaVersion,
	}
}

// goldenMessages are the messages behind the golden vectors, by name.
func goldenMessages() []goldenVector {
	event := &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Event{Event: &dspb.Event{
		Header:    goldenHeader(1, dspb.MessageType_MESSAGE_TYPE_EVENT),
		EventType: dspb.EventType_EVENT_TYPE_NODE_START, NodeId: "planner",
		Attributes: map[string]*dspb.AttributeValue{
			"model": {Value: &dspb.AttributeValue_StringValue{StringValue: "m-1"}},
			"tries": {Value: &dspb.AttributeValue_IntValue{IntValue: 2}},
		},
		DurationUs: 1500,
	}}}
	quality := &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Metrics{Metrics: &dspb.Metrics{
		Header: goldenHeader(2, dspb.MessageType_MESSAGE_TYPE_METRICS),
		Scope:  "quality", ScopeId: "run-7",
		Metrics: map[string]*dspb.MetricValue{
			"score":  {Value: &dspb.MetricValue_FloatValue{FloatValue: 0.93}, Type: dspb.MetricType_METRIC_TYPE_GAUGE},
			"checks": {Value: &dspb.MetricValue_IntValue{IntValue: 12}, Type: dspb.MetricType_METRIC_TYPE_COUNTER},
		},
		Tags: map[string]string{"suite": "smoke"},
	}}}
	errMsg := &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Error{Error: &dspb.Error{
		Header:    goldenHeader(3, dspb.MessageType_MESSAGE_TYPE_ERROR),
		ErrorCode: "TOOL_TIMEOUT", Message: "tool did not answer", Severity: dspb.Severity_SEVERITY_ERROR,
		Context: map[string]string{"tool": "search"},
	}}}
	batch := &dspb.EventBatch{Header: goldenHeader(4, dspb.MessageType_MESSAGE_TYPE_EVENT_BATCH)}
	for i := range 20 {
		batch.Events = append(batch.Events, &dspb.Event{EventType: dspb.EventType_EVENT_TYPE_LLM_END,
			NodeId: "llm-node", LlmRequestId: "req-" + strings.Repeat("0", 3) + string(rune('a'+i)), DurationUs: int64(1000 * i)})
	}
	batchMsg := &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_EventBatch{EventBatch: batch}}
	return []goldenVector{
		{Name: "event-plain", Description: "a NODE_START event with attributes, below the compression threshold", Message: mustJSON(event)},
		{Name: "quality-metrics-plain", Description: "a quality event: Metrics with scope \"quality\"", Message: mustJSON(quality)},
		{Name: "error-plain", Description: "an Error with context and severity", Message: mustJSON(errMsg)},
		{Name: "event-batch-zstd", Description: "20 events in a batch, above 512 bytes: zstd framing, header compression = ZSTD", Message: mustJSON(batchMsg)},
	}
}

func mustJSON(m proto.Message) json.RawMessage {
	raw, err := protojson.Marshal(m)
	if err != nil {
		panic(err)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil { // protojson's spacing is deliberately unstable
		panic(err)
	}
	return buf.Bytes()
}

func parseGolden(t testing.TB, v goldenVector) *dspb.DashStreamMessage {
	t.Helper()
	msg := &dspb.DashStreamMessage{}
	require.NoError(t, protojson.Unmarshal(v.Message, msg), "vector %s", v.Name)
	return msg
}

func TestGoldenVectors(t *testing.T) {
	if *update {
		vectors := goldenMessages()
		for i, v := range vectors {
			msg := parseGolden(t, v)
			value, err := NewEncoder().Encode(msg)
			require.NoError(t, err)
			vectors[i].Hex, vectors[i].Framing = hex.EncodeToString(value), framingName(value[0])
			vectors[i].Message = mustJSON(msg) // now with the compression the encoder chose
		}
		out, err := json.MarshalIndent(vectors, "", "  ")
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll(filepath.Dir(goldenPath), 0o755))
		require.NoError(t, os.WriteFile(goldenPath, append(out, '\n'), 0o644))
	}
	raw, err := os.ReadFile(goldenPath)
	require.NoError(t, err, "run go test ./reference/wire -run Golden -update to create it")
	var vectors []goldenVector
	require.NoError(t, json.Unmarshal(raw, &vectors))
	require.Len(t, vectors, len(goldenMessages()), "golden file and goldenMessages disagree: rerun with -update")
	for _, v := range vectors {
		t.Run(v.Name, func(t *testing.T) {
			want := parseGolden(t, v)
			value, err := hex.DecodeString(v.Hex)
			require.NoError(t, err)
			require.Equal(t, v.Framing, framingName(value[0]))
			got, err := NewDecoder().Decode(value)
			require.NoError(t, err)
			require.True(t, proto.Equal(want, got), "decoded vector differs from its message")
			encoded, err := NewEncoder().Encode(want)
			require.NoError(t, err)
			require.Equal(t, v.Hex, hex.EncodeToString(encoded), "encoder output changed byte for byte")
		})
	}
}

func framingName(b byte) string {
	switch b {
	case FramingPlain:
		return "plain"
	case FramingZstd:
		return "zstd"
	}
	return "unknown"
}
