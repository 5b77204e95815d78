package producer

import (
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/dashstream/acceptance/reference/wire"
	"github.com/dashstream/acceptance/reference/wire/dspb"
)

// ErrNoPayload is returned by Send for a message whose oneof payload is not set.
var ErrNoPayload = errors.New("message has no payload: set one of event, metrics, error, ... in DashStreamMessage")

// ErrEmptyThread is returned by Send for an empty thread id: it is the record key and the
// unit of sequencing, so it cannot be empty.
var ErrEmptyThread = errors.New("thread id is empty: give every message a thread id")

// TenantHeader is the record header that duplicates Header.TenantId for routing without
// decoding; the protobuf header wins when they disagree.
const TenantHeader = "tenant_id"

// headerOf returns the header of msg's payload, creating it when the payload has none.
func headerOf(msg *dspb.DashStreamMessage) (*dspb.Header, error) {
	if msg == nil || wire.PayloadOf(msg) == nil {
		return nil, ErrNoPayload
	}
	if h := wire.HeaderOf(msg); h != nil {
		return h, nil
	}
	m := msg.ProtoReflect()
	fd := m.WhichOneof(m.Descriptor().Oneofs().ByName("message"))
	payload := m.Mutable(fd).Message()
	hf := payload.Descriptor().Fields().ByNumber(protoreflect.FieldNumber(1))
	h, ok := payload.Mutable(hf).Message().Interface().(*dspb.Header)
	if !ok {
		return nil, fmt.Errorf("payload %s: field 1 is not a Header", payload.Descriptor().FullName())
	}
	return h, nil
}

// stamp fills every header field the producer owns; ParentId is left as the caller set it.
func stamp(h *dspb.Header, msg *dspb.DashStreamMessage, tenant, thread string, seq uint64) {
	id := uuid.New()
	h.MessageId = id[:]
	h.TimestampUs = time.Now().UnixMicro()
	h.TenantId = tenant
	h.ThreadId = thread
	h.Sequence = seq
	h.Type = wire.TypeOf(msg)
	h.SchemaVersion = wire.SchemaVersion
}
