package wiredecode_test

import (
	"encoding/hex"
	"math"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/dashstream/acceptance/system/observe/wiredecode"
)

// The golden vectors below are derived by hand from the wire contract (WIRE.md): either
// written as hex with a comment per field, or appended field by field with protowire.
// Nothing here calls the encoder they check.

// unhex turns commented hex (one field per line, "//" comments, spaces) into bytes.
func unhex(s string) []byte {
	var clean strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if i := strings.Index(line, "//"); i >= 0 {
			line = line[:i]
		}
		clean.WriteString(strings.Join(strings.Fields(line), ""))
	}
	b, err := hex.DecodeString(clean.String())
	if err != nil {
		panic(err)
	}
	return b
}

// eventPlainHex is golden.json's "event-plain": a NODE_START event with two attributes.
const eventPlainHex = `
00                                   // framing: plain protobuf
0a 69                                // DashStreamMessage.event (1, LEN), 105 bytes
  0a 3c                              // Event.header (1, LEN), 60 bytes
    0a 10 5f0c6e1a2b3c4d5e8f708192a3b4c5d6 // Header.message_id (1, LEN 16): a UUID v4
    10 80e0c4f3e5949103              // Header.timestamp_us (2, VARINT) 1764331200000000
    1a 0c 637573746f6d65722d313233   // Header.tenant_id (3, LEN 12) "customer-123"
    22 0b 7468726561642d30303031     // Header.thread_id (4, LEN 11) "thread-0001"
    28 01                            // Header.sequence (5, VARINT) 1
    30 01                            // Header.type (6, VARINT) MESSAGE_TYPE_EVENT
                                     // Header.compression (8) NONE = 0: not written
    48 01                            // Header.schema_version (9, VARINT) 1
  10 0a                              // Event.event_type (2, VARINT) NODE_START = 10
  1a 07 706c616e6e6572               // Event.node_id (3, LEN 7) "planner"
  22 0e                              // Event.attributes (4, LEN 14): map entry, keys sorted
    0a 05 6d6f64656c                 //   key (1) "model"
    12 05 0a 03 6d2d31               //   value (2) AttributeValue{string_value (1) "m-1"}
  22 0b                              // Event.attributes (4, LEN 11)
    0a 05 7472696573                 //   key (1) "tries"
    12 02 10 02                      //   value (2) AttributeValue{int_value (2) 2}
  28 dc0b                            // Event.duration_us (5, VARINT) 1500
`

var (
	goldenID = []byte{0x5f, 0x0c, 0x6e, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x8f, 0x70, 0x81, 0x92, 0xa3, 0xb4, 0xc5, 0xd6}
)

const goldenTS = 1_764_331_200_000_000 // 2025-11-28T12:00:00Z

// Small protowire helpers: one call per field.
func lenField(b []byte, num protowire.Number, v []byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(b, num, protowire.BytesType), v)
}

func strField(b []byte, num protowire.Number, s string) []byte { return lenField(b, num, []byte(s)) }

func varField(b []byte, num protowire.Number, x uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(b, num, protowire.VarintType), x)
}

// headerBytes is the golden Header: fields in number order, zero values not written.
func headerBytes(seq, typ, compression uint64) []byte {
	var h []byte
	h = lenField(h, 1, goldenID)
	h = varField(h, 2, goldenTS)
	h = strField(h, 3, "customer-123")
	h = strField(h, 4, "thread-0001")
	h = varField(h, 5, seq)
	h = varField(h, 6, typ)
	if compression != 0 {
		h = varField(h, 8, compression)
	}
	return varField(h, 9, 1)
}

// qualityContent is golden.json's "quality-metrics-plain" without its framing byte.
// MetricValue is written as Go's deterministic marshaller writes it: regular fields
// (type, 7) before the oneof member (int_value 1, float_value 2). The contract allows any
// order; byte-exact comparison with the reference encoder needs this one.
func qualityContent() []byte {
	checks := varField(nil, 7, 1)    // MetricValue.type COUNTER
	checks = varField(checks, 1, 12) // MetricValue.int_value 12
	score := varField(nil, 7, 2)     // MetricValue.type GAUGE
	score = protowire.AppendFixed64(protowire.AppendTag(score, 2, protowire.Fixed64Type), math.Float64bits(0.93))
	var m []byte
	m = lenField(m, 1, headerBytes(2, 6, 0))                            // Metrics.header, METRICS
	m = strField(m, 2, "quality")                                       // Metrics.scope
	m = strField(m, 3, "run-7")                                         // Metrics.scope_id
	m = lenField(m, 4, lenField(strField(nil, 1, "checks"), 2, checks)) // metrics map, keys sorted
	m = lenField(m, 4, lenField(strField(nil, 1, "score"), 2, score))
	m = lenField(m, 5, strField(strField(nil, 1, "suite"), 2, "smoke")) // tags map
	return lenField(nil, 6, m)                                          // DashStreamMessage.metrics (6)
}

// errorContent is golden.json's "error-plain" without its framing byte.
func errorContent() []byte {
	var e []byte
	e = lenField(e, 1, headerBytes(3, 7, 0))                            // Error.header, ERROR
	e = strField(e, 2, "TOOL_TIMEOUT")                                  // Error.error_code
	e = strField(e, 3, "tool did not answer")                           // Error.message
	e = lenField(e, 5, strField(strField(nil, 1, "tool"), 2, "search")) // Error.context map
	e = varField(e, 6, 4)                                               // Error.severity ERROR
	return lenField(nil, 7, e)                                          // DashStreamMessage.error (7)
}

// batchContent is the protobuf inside golden.json's "event-batch-zstd": 20 LLM_END
// events; the header says compression ZSTD (1), as the encoder sets it before compressing.
func batchContent() []byte {
	b := lenField(nil, 1, headerBytes(4, 8, 1)) // EventBatch.header, EVENT_BATCH, ZSTD
	for i := range 20 {
		var ev []byte
		ev = varField(ev, 2, 31)         // Event.event_type LLM_END
		ev = strField(ev, 3, "llm-node") // Event.node_id
		if i > 0 {
			ev = varField(ev, 5, uint64(1000*i)) // Event.duration_us (0 is not written)
		}
		ev = strField(ev, 6, "req-000"+string(rune('a'+i))) // Event.llm_request_id
		b = lenField(b, 2, ev)                              // EventBatch.events
	}
	return lenField(nil, 8, b) // DashStreamMessage.event_batch (8)
}

// zstdRawFrame wraps content (256 to 65 791 bytes) in a zstd frame by hand (RFC 8878):
// magic number, a single-segment frame header with a two-byte content size, and one raw
// (stored) block. A decoder must accept it although no encoder of ours writes one.
func zstdRawFrame(content []byte) []byte {
	if len(content) < 256 || len(content) > 65791 {
		panic("zstdRawFrame: content size outside 256..65791")
	}
	f := []byte{0x28, 0xb5, 0x2f, 0xfd} // magic 0xFD2FB528, little-endian
	f = append(f, 0x60)                 // descriptor: FCS flag 1 (2 bytes), single segment, no checksum, no dict
	fcs := len(content) - 256           // a 2-byte content size is stored minus 256
	f = append(f, byte(fcs), byte(fcs>>8))
	bh := uint32(len(content))<<3 | 0<<1 | 1 // block header: size, type raw (0), last block
	f = append(f, byte(bh), byte(bh>>8), byte(bh>>16))
	return append(f, content...)
}

// handHeader is the Header every golden vector carries, as the Record should hold it.
func handHeader(seq uint64, typ, compression int32) wiredecode.Header {
	return wiredecode.Header{MessageID: goldenID, TimestampUs: goldenTS, TenantID: "customer-123", ThreadID: "thread-0001",
		Sequence: seq, Type: typ, Compression: compression, SchemaVersion: 1}
}
