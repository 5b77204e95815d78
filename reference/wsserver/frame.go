package wsserver

import (
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/google/uuid"

	"github.com/dashstream/acceptance/reference/consumer"
	"github.com/dashstream/acceptance/reference/wire"
	"github.com/dashstream/acceptance/reference/wire/dspb"
)

// Frame is the JSON text frame sent to a client for every record of its tenant (the
// default format).
type Frame struct {
	// Type is the payload type: event, state_diff, token_chunk, tool_execution,
	// checkpoint, metrics, error, event_batch, execution_trace.
	Type      string      `json:"type"`
	Header    FrameHeader `json:"header"`
	Topic     string      `json:"topic"`
	Partition int32       `json:"partition"`
	Offset    int64       `json:"offset"`
}

// FrameHeader is the decoded message header as JSON.
type FrameHeader struct {
	// MessageID and ParentID are UUID strings (hex when not 16 bytes; ParentID omitted
	// when empty).
	MessageID   string `json:"message_id"`
	TimestampUs int64  `json:"timestamp_us"`
	TenantID    string `json:"tenant_id"`
	ThreadID    string `json:"thread_id"`
	Sequence    uint64 `json:"sequence"`
	// Type is the header's claimed type in the same spelling as Frame.Type.
	Type          string `json:"type"`
	ParentID      string `json:"parent_id,omitempty"`
	Compression   string `json:"compression"`
	SchemaVersion uint32 `json:"schema_version"`
}

func idString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if u, err := uuid.FromBytes(b); err == nil {
		return u.String()
	}
	return hex.EncodeToString(b)
}

// typeName turns MESSAGE_TYPE_TOOL_EXECUTION into tool_execution.
func typeName(t dspb.MessageType) string {
	return strings.ToLower(strings.TrimPrefix(t.String(), "MESSAGE_TYPE_"))
}

func compressionName(c dspb.CompressionType) string {
	return strings.ToLower(strings.TrimPrefix(c.String(), "COMPRESSION_TYPE_"))
}

// jsonFrame renders the text frame of a record.
func jsonFrame(r consumer.Record) ([]byte, error) {
	h := r.Header
	return json.Marshal(Frame{
		Type: typeName(wire.TypeOf(r.Message)),
		Header: FrameHeader{
			MessageID: idString(h.GetMessageId()), TimestampUs: h.GetTimestampUs(), TenantID: wire.CutID(h.GetTenantId()),
			ThreadID: wire.CutID(h.GetThreadId()), Sequence: h.GetSequence(), Type: typeName(h.GetType()),
			ParentID: idString(h.GetParentId()), Compression: compressionName(h.GetCompression()),
			SchemaVersion: h.GetSchemaVersion(),
		},
		Topic: r.Topic, Partition: r.Partition, Offset: r.Offset,
	})
}
