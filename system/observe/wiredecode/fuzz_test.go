package wiredecode_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/dashstream/acceptance/reference/wire"
	"github.com/dashstream/acceptance/system/observe/wiredecode"
)

// FuzzDecode feeds arbitrary values to the harness decoder: it must never panic, every
// error must wrap a sentinel, and whenever both it and the reference decoder accept a
// value they must agree on every field the Record carries.
func FuzzDecode(f *testing.F) {
	for _, v := range handVectors() {
		f.Add(v.value)
	}
	f.Add([]byte{})
	f.Add([]byte{0x01, 0x28, 0xb5, 0x2f, 0xfd})
	dec := wiredecode.New(wiredecode.MaxPayload(1 << 16))
	ref := wire.NewDecoder(wire.MaxPayload(1 << 16))
	f.Fuzz(func(t *testing.T, value []byte) {
		got, err := dec.Decode(value)
		if len(value) == 0 || (value[0] > 1 && len(value)-1 <= dec.Max()) {
			if !errors.Is(err, wiredecode.ErrFraming) {
				t.Fatalf("a value without framing byte 0x00 or 0x01 gave %v, expected ErrFraming", err)
			}
		}
		if err != nil {
			if !sentinel(err) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		if got.Framing != 0 && got.Framing != 1 {
			t.Fatalf("accepted framing 0x%02x", got.Framing)
		}
		msg, rerr := ref.Decode(value)
		if rerr != nil {
			return // the reference also checks UTF-8 in fields the Record skips
		}
		h := wire.HeaderOf(msg)
		if int(wire.TypeOf(msg)) != int(got.Kind) || h.GetSequence() != got.Header.Sequence ||
			h.GetTenantId() != got.Header.TenantID || h.GetThreadId() != got.Header.ThreadID ||
			h.GetTimestampUs() != got.Header.TimestampUs || !bytes.Equal(h.GetMessageId(), got.Header.MessageID) ||
			int32(h.GetType()) != got.Header.Type || int32(h.GetCompression()) != got.Header.Compression ||
			h.GetSchemaVersion() != got.Header.SchemaVersion || !bytes.Equal(h.GetParentId(), got.Header.ParentID) {
			t.Fatalf("decoders disagree: reference %v, harness %+v", msg, got)
		}
		if m := msg.GetMetrics(); m != nil && (m.GetScope() != got.Scope || m.GetScopeId() != got.ScopeID) {
			t.Fatalf("metrics scope disagrees: reference %v, harness %+v", m, got)
		}
		if e := msg.GetEvent(); e != nil && int32(e.GetEventType()) != got.EventType {
			t.Fatalf("event type disagrees: reference %v, harness %+v", e, got)
		}
	})
}

func sentinel(err error) bool {
	for _, s := range []error{wiredecode.ErrFraming, wiredecode.ErrDecompress, wiredecode.ErrTooLarge,
		wiredecode.ErrProtobuf, wiredecode.ErrNoPayload, wiredecode.ErrNoHeader} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}
