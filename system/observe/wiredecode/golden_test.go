package wiredecode_test

import (
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/dashstream/acceptance/reference/wire"
	"github.com/dashstream/acceptance/reference/wire/dspb"
	"github.com/dashstream/acceptance/system/observe/wiredecode"
)

const goldenPath = "../../../fixtures/wire/golden.json"

// handVector is a record value derived by hand, what it must decode to, and the
// deterministic message the reference encoder must turn into it.
type handVector struct {
	name   string
	value  []byte
	want   wiredecode.Record
	msg    func() *dspb.DashStreamMessage // what the reference decoder must return
	golden string                         // the golden.json vector these bytes are, if any
	// encoderExact: the reference encoder must produce value byte for byte. For a zstd
	// vector it must produce framing 0x01 whose content is the hand-derived protobuf.
	encoderExact bool
}

func dsHeader(seq uint64, typ dspb.MessageType, c dspb.CompressionType) *dspb.Header {
	return &dspb.Header{MessageId: goldenID, TimestampUs: goldenTS, TenantId: "customer-123", ThreadId: "thread-0001",
		Sequence: seq, Type: typ, Compression: c, SchemaVersion: 1}
}

func handVectors() []handVector {
	quality := func() *dspb.DashStreamMessage {
		return &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Metrics{Metrics: &dspb.Metrics{
			Header: dsHeader(2, dspb.MessageType_MESSAGE_TYPE_METRICS, 0), Scope: "quality", ScopeId: "run-7",
			Metrics: map[string]*dspb.MetricValue{
				"score":  {Value: &dspb.MetricValue_FloatValue{FloatValue: 0.93}, Type: dspb.MetricType_METRIC_TYPE_GAUGE},
				"checks": {Value: &dspb.MetricValue_IntValue{IntValue: 12}, Type: dspb.MetricType_METRIC_TYPE_COUNTER},
			},
			Tags: map[string]string{"suite": "smoke"},
		}}}
	}
	qualityRec := wiredecode.Record{Framing: 0, Kind: wiredecode.KindMetrics, HasHeader: true,
		Header: handHeader(2, 6, 0), Scope: "quality", ScopeID: "run-7"}
	// The same Metrics with MetricValue fields in number order, as another marshaller
	// may write them: decoders must read it the same.
	checks := varField(varField(nil, 1, 12), 7, 1)
	score := varField(protowire.AppendFixed64(protowire.AppendTag(nil, 2, protowire.Fixed64Type), math.Float64bits(0.93)), 7, 2)
	var m []byte
	m = lenField(m, 1, headerBytes(2, 6, 0))
	m = strField(m, 2, "quality")
	m = strField(m, 3, "run-7")
	m = lenField(m, 4, lenField(strField(nil, 1, "checks"), 2, checks))
	m = lenField(m, 4, lenField(strField(nil, 1, "score"), 2, score))
	m = lenField(m, 5, strField(strField(nil, 1, "suite"), 2, "smoke"))

	return []handVector{
		{
			name: "event-plain", golden: "event-plain", encoderExact: true, value: unhex(eventPlainHex),
			want: wiredecode.Record{Kind: wiredecode.KindEvent, HasHeader: true, Header: handHeader(1, 1, 0), EventType: 10},
			msg: func() *dspb.DashStreamMessage {
				return &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Event{Event: &dspb.Event{
					Header: dsHeader(1, dspb.MessageType_MESSAGE_TYPE_EVENT, 0), EventType: dspb.EventType_EVENT_TYPE_NODE_START,
					NodeId: "planner", DurationUs: 1500,
					Attributes: map[string]*dspb.AttributeValue{
						"model": {Value: &dspb.AttributeValue_StringValue{StringValue: "m-1"}},
						"tries": {Value: &dspb.AttributeValue_IntValue{IntValue: 2}},
					},
				}}}
			},
		},
		{name: "quality-metrics-plain", golden: "quality-metrics-plain", encoderExact: true,
			value: append([]byte{0x00}, qualityContent()...), want: qualityRec, msg: quality},
		{name: "quality-metrics-number-order", value: append([]byte{0x00}, lenField(nil, 6, m)...), want: qualityRec, msg: quality},
		{
			name: "error-plain", golden: "error-plain", encoderExact: true, value: append([]byte{0x00}, errorContent()...),
			want: wiredecode.Record{Kind: wiredecode.KindError, HasHeader: true, Header: handHeader(3, 7, 0)},
			msg: func() *dspb.DashStreamMessage {
				return &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Error{Error: &dspb.Error{
					Header: dsHeader(3, dspb.MessageType_MESSAGE_TYPE_ERROR, 0), ErrorCode: "TOOL_TIMEOUT",
					Message: "tool did not answer", Severity: dspb.Severity_SEVERITY_ERROR, Context: map[string]string{"tool": "search"},
				}}}
			},
		},
		{
			name: "event-batch-zstd", golden: "event-batch-zstd", encoderExact: true,
			value: append([]byte{0x01}, zstdRawFrame(batchContent())...),
			want:  wiredecode.Record{Framing: 1, Kind: wiredecode.KindEventBatch, HasHeader: true, Header: handHeader(4, 8, 1)},
			msg: func() *dspb.DashStreamMessage {
				b := &dspb.EventBatch{Header: dsHeader(4, dspb.MessageType_MESSAGE_TYPE_EVENT_BATCH, dspb.CompressionType_COMPRESSION_TYPE_ZSTD)}
				for i := range 20 {
					b.Events = append(b.Events, &dspb.Event{EventType: dspb.EventType_EVENT_TYPE_LLM_END, NodeId: "llm-node",
						LlmRequestId: "req-000" + string(rune('a'+i)), DurationUs: int64(1000 * i)})
				}
				return &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_EventBatch{EventBatch: b}}
			},
		},
	}
}

// goldenFile returns fixtures/wire/golden.json's hex by vector name.
func goldenFile(t *testing.T) map[string][]byte {
	t.Helper()
	raw, err := os.ReadFile(goldenPath)
	require.NoError(t, err)
	var vs []struct{ Name, Hex string }
	require.NoError(t, json.Unmarshal(raw, &vs))
	out := map[string][]byte{}
	for _, v := range vs {
		b, err := hex.DecodeString(v.Hex)
		require.NoError(t, err, v.Name)
		out[v.Name] = b
	}
	return out
}

// content is the protobuf inside a framed value, decompressed if need be.
func content(t *testing.T, value []byte) []byte {
	t.Helper()
	if value[0] == wiredecode.FramingPlain {
		return value[1:]
	}
	require.Equal(t, wiredecode.FramingZstd, value[0])
	d, err := wiredecode.New().Decode(value) // checks the frame is readable at all
	require.NoError(t, err)
	out := make([]byte, 0, d.ContentSize)
	out, err = zstdDecode(value[1:], out)
	require.NoError(t, err)
	return out
}

func TestHandDerivedVectors(t *testing.T) {
	golden := goldenFile(t)
	dec := wiredecode.New()
	for _, v := range handVectors() {
		t.Run(v.name, func(t *testing.T) {
			v.want.ContentSize = len(content(t, v.value))

			got, err := dec.Decode(v.value)
			require.NoError(t, err, "harness decoder")
			require.Equal(t, v.want, got, "harness decoder")

			ref, err := wire.NewDecoder().Decode(v.value)
			require.NoError(t, err, "reference decoder")
			require.True(t, proto.Equal(v.msg(), ref), "reference decoder read %v", ref)

			if v.golden != "" {
				g, ok := golden[v.golden]
				require.True(t, ok, "golden.json has no vector %q", v.golden)
				require.Equal(t, v.value[0], g[0], "golden.json framing")
				require.Equal(t, hex.EncodeToString(content(t, v.value)), hex.EncodeToString(content(t, g)),
					"golden.json's content differs from the hand-derived bytes")
				if g[0] == wiredecode.FramingPlain {
					require.Equal(t, hex.EncodeToString(v.value), hex.EncodeToString(g))
				}
			}
			if v.encoderExact {
				msg := v.msg()
				enc, err := wire.NewEncoder().Encode(msg)
				require.NoError(t, err)
				require.Equal(t, v.value[0], enc[0], "reference encoder framing")
				require.Equal(t, hex.EncodeToString(content(t, v.value)), hex.EncodeToString(content(t, enc)),
					"reference encoder's protobuf differs from the hand-derived bytes")
				if enc[0] == wiredecode.FramingPlain {
					require.Equal(t, hex.EncodeToString(v.value), hex.EncodeToString(enc))
				}
			}
		})
	}
}
