package wiredecode

import "fmt"

// Framing bytes: the first byte of every record value.
const (
	FramingPlain byte = 0x00
	FramingZstd  byte = 0x01
)

// Kind is the payload of a DashStreamMessage: the field number of the oneof member that
// is set. It is also the header's MessageType value the payload calls for.
type Kind int

// The payload kinds of the wire contract.
const (
	KindNone           Kind = 0
	KindEvent          Kind = 1
	KindStateDiff      Kind = 2
	KindTokenChunk     Kind = 3
	KindToolExecution  Kind = 4
	KindCheckpoint     Kind = 5
	KindMetrics        Kind = 6
	KindError          Kind = 7
	KindEventBatch     Kind = 8
	KindExecutionTrace Kind = 9
)

var kindNames = [...]string{"none", "event", "state_diff", "token_chunk", "tool_execution",
	"checkpoint", "metrics", "error", "event_batch", "execution_trace"}

// String returns the field name of the payload (event, metrics, ...).
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Compression values of Header.compression.
const (
	CompressionNone   int32 = 0
	CompressionZstd   int32 = 1
	CompressionLZ4    int32 = 2
	CompressionSnappy int32 = 3
)

// Header is every field of a DashStream Header as it was on the wire; an absent field
// is its proto3 zero value (absence and zero cannot be told apart in proto3).
type Header struct {
	MessageID     []byte `json:"message_id"`
	TimestampUs   int64  `json:"timestamp_us"`
	TenantID      string `json:"tenant_id"`
	ThreadID      string `json:"thread_id"`
	Sequence      uint64 `json:"sequence"`
	Type          int32  `json:"type"`
	ParentID      []byte `json:"parent_id,omitempty"`
	Compression   int32  `json:"compression"`
	SchemaVersion uint32 `json:"schema_version"`
}

// Record is one decoded record value.
type Record struct {
	// Framing is the value's first byte (FramingPlain or FramingZstd).
	Framing byte `json:"framing"`
	// ContentSize is the protobuf's size in bytes, after decompression.
	ContentSize int `json:"content_size"`
	// Kind is the payload that is set.
	Kind Kind `json:"kind"`
	// HasHeader is true when the payload carried field 1 (a Header), even an empty one.
	HasHeader bool   `json:"has_header"`
	Header    Header `json:"header"`
	// Scope and ScopeID are set for KindMetrics only.
	Scope   string `json:"scope,omitempty"`
	ScopeID string `json:"scope_id,omitempty"`
	// EventType is set for KindEvent only.
	EventType int32 `json:"event_type,omitempty"`
}

// Nil-safe getters, named as the generated protobuf code names them, so that code written
// against a *dspb.Header reads the same against a *Header. A nil *Header yields zeros.

// GetMessageId returns h.MessageID, or nil for a nil h.
func (h *Header) GetMessageId() []byte {
	if h == nil {
		return nil
	}
	return h.MessageID
}

// GetTimestampUs returns h.TimestampUs, or 0 for a nil h.
func (h *Header) GetTimestampUs() int64 {
	if h == nil {
		return 0
	}
	return h.TimestampUs
}

// GetTenantId returns h.TenantID, or "" for a nil h.
func (h *Header) GetTenantId() string {
	if h == nil {
		return ""
	}
	return h.TenantID
}

// GetThreadId returns h.ThreadID, or "" for a nil h.
func (h *Header) GetThreadId() string {
	if h == nil {
		return ""
	}
	return h.ThreadID
}

// GetSequence returns h.Sequence, or 0 for a nil h.
func (h *Header) GetSequence() uint64 {
	if h == nil {
		return 0
	}
	return h.Sequence
}

// GetSchemaVersion returns h.SchemaVersion, or 0 for a nil h.
func (h *Header) GetSchemaVersion() uint32 {
	if h == nil {
		return 0
	}
	return h.SchemaVersion
}
