package wire

import (
	"testing"

	"google.golang.org/protobuf/proto"
)

// FuzzDecode feeds arbitrary record values to the decoder: it must never panic, must
// return either a message with a header or a *DecodeError with a known reason, and a
// message it accepts must re-encode to something that decodes to the same message.
func FuzzDecode(f *testing.F) {
	enc := NewEncoder()
	for _, v := range goldenMessages() {
		msg := parseGolden(f, v)
		value, err := enc.Encode(msg)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(value)
		f.Add(value[:len(value)/2])
	}
	f.Add([]byte{})
	f.Add([]byte{0x02})
	f.Add([]byte{FramingZstd, 0x28, 0xb5, 0x2f, 0xfd})
	dec := NewDecoder(MaxPayload(1 << 20))
	f.Fuzz(func(t *testing.T, value []byte) {
		msg, err := dec.Decode(value)
		if err != nil {
			switch ReasonOf(err) {
			case ReasonFraming, ReasonDecompress, ReasonTooLarge, ReasonProtobuf:
			default:
				t.Fatalf("error without a known reason: %v", err)
			}
			if msg != nil {
				t.Fatal("message returned with an error")
			}
			return
		}
		if HeaderOf(msg) == nil {
			t.Fatal("accepted a message without a header")
		}
		again, err := enc.Encode(proto.CloneOf(msg))
		if err != nil {
			t.Fatalf("re-encode of an accepted message: %v", err)
		}
		back, err := NewDecoder().Decode(again) // re-encoding may add the compression field
		if err != nil {
			t.Fatalf("decode of a re-encoded message: %v", err)
		}
		if HeaderOf(back).GetSequence() != HeaderOf(msg).GetSequence() || HeaderOf(back).GetThreadId() != HeaderOf(msg).GetThreadId() {
			t.Fatal("round trip changed the header")
		}
	})
}
