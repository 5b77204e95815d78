package wiredecode

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// schema maps the field numbers a message defines to their wire types. Fields the
// Record does not carry are listed too, so that their wire type is checked before they
// are skipped.
type schema map[protowire.Number]protowire.Type

const (
	bytesT  = protowire.BytesType
	varintT = protowire.VarintType
)

// envelopeFields is DashStreamMessage: the oneof members 1-9, each an embedded message.
var envelopeFields = schema{1: bytesT, 2: bytesT, 3: bytesT, 4: bytesT, 5: bytesT, 6: bytesT, 7: bytesT, 8: bytesT, 9: bytesT}

// headerFields is Header: message_id, timestamp_us, tenant_id, thread_id, sequence, type,
// parent_id, compression, schema_version.
var headerFields = schema{1: bytesT, 2: varintT, 3: bytesT, 4: bytesT, 5: varintT, 6: varintT, 7: bytesT, 8: varintT, 9: varintT}

// payloadFields are the payload messages by kind. Event: header, event_type, node_id,
// attributes, duration_us, llm_request_id. EventBatch: header, events. Metrics: header,
// scope, scope_id, metrics, tags. Error: header, error_code, message, stack_trace,
// context, severity. The other payloads carry only their header.
var payloadFields = map[Kind]schema{
	KindEvent:          {1: bytesT, 2: varintT, 3: bytesT, 4: bytesT, 5: varintT, 6: bytesT},
	KindStateDiff:      {1: bytesT},
	KindTokenChunk:     {1: bytesT},
	KindToolExecution:  {1: bytesT},
	KindCheckpoint:     {1: bytesT},
	KindMetrics:        {1: bytesT, 2: bytesT, 3: bytesT, 4: bytesT, 5: bytesT},
	KindError:          {1: bytesT, 2: bytesT, 3: bytesT, 4: bytesT, 5: bytesT, 6: varintT},
	KindEventBatch:     {1: bytesT, 2: bytesT},
	KindExecutionTrace: {1: bytesT},
}

// walk reads every field of the message msg encoded in b. A known field must carry the
// wire type its schema says; fn gets its value (v for bytes, x for a varint). Unknown
// fields are skipped.
func walk(msg string, b []byte, s schema, fn func(num protowire.Number, v []byte, x uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("wiredecode: %w: %s: field tag: %w", ErrProtobuf, msg, protowire.ParseError(n))
		}
		b = b[n:]
		want, known := s[num]
		if !known {
			if n = protowire.ConsumeFieldValue(num, typ, b); n < 0 {
				return fmt.Errorf("wiredecode: %w: %s: unknown field %d: %w", ErrProtobuf, msg, num, protowire.ParseError(n))
			}
			b = b[n:]
			continue
		}
		if typ != want {
			return fmt.Errorf("wiredecode: %w: %s field %d has wire type %d, the contract says %d", ErrProtobuf, msg, num, typ, want)
		}
		var (
			v []byte
			x uint64
		)
		if typ == bytesT {
			v, n = protowire.ConsumeBytes(b)
		} else {
			x, n = protowire.ConsumeVarint(b)
		}
		if n < 0 {
			return fmt.Errorf("wiredecode: %w: %s field %d: %w", ErrProtobuf, msg, num, protowire.ParseError(n))
		}
		b = b[n:]
		if err := fn(num, v, x); err != nil {
			return err
		}
	}
	return nil
}
