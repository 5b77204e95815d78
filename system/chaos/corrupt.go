package chaos

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/dashstream/acceptance/reference/wire"
	"github.com/dashstream/acceptance/reference/wire/dspb"
)

// Kind is a kind of corrupt record value.
type Kind string

// The kinds of corrupt records, with the wire reason a strict decoder reports for each.
const (
	// Garbage is 32 to 287 random bytes whose first byte is no framing byte: framing.
	Garbage Kind = "garbage"
	// WrongFraming is framing byte 0x02 followed by a valid protobuf message: framing.
	WrongFraming Kind = "wrong-framing"
	// TruncatedZstd is a valid zstd-framed DashStream message cut in half: decompress.
	TruncatedZstd Kind = "truncated-zstd"
	// BadProtobuf is the plain framing byte followed by bytes that are no protobuf: protobuf.
	BadProtobuf Kind = "bad-protobuf"
	// Bomb is 0x01 and a zstd frame of 64 MiB of zeros (a few KiB on the wire) that does
	// not declare its size, so only decompressing finds out: too_large.
	Bomb Kind = "bomb"
	// AtLimit is a value of exactly the consumer's maximum payload (PayloadLimit) whose
	// first byte, 0x02, is no framing byte: framing. The largest value a consumer reads and
	// dead-letters; it is sent compressed, so it fits the topic's max.message.bytes.
	AtLimit Kind = "at-limit"
	// Oversized is a plain-framed value 1 KiB larger than the consumer's maximum payload
	// (PayloadLimit): too_large. It is sent compressed, so it fits the topic's
	// max.message.bytes.
	Oversized Kind = "oversized"
)

// BombSize is how many zero bytes a Bomb decompresses to.
const BombSize = 64 << 20

var kinds = []Kind{Garbage, WrongFraming, TruncatedZstd, BadProtobuf, Bomb, AtLimit, Oversized}

// Kinds lists every kind of corrupt record, in a stable order.
func Kinds() []Kind { return append([]Kind(nil), kinds...) }

// ParseKind returns the Kind called s, or an error naming the valid kinds.
func ParseKind(s string) (Kind, error) {
	for _, k := range kinds {
		if string(k) == s {
			return k, nil
		}
	}
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	return "", fmt.Errorf("corrupt record kind %q: unknown: use one of %s", s, strings.Join(names, ", "))
}

// Reason returns the wire.Reason* a strict decoder (reference/wire) reports for a value
// of this kind, or "" for an unknown kind.
func (k Kind) Reason() string {
	switch k {
	case Garbage, WrongFraming, AtLimit:
		return wire.ReasonFraming
	case TruncatedZstd:
		return wire.ReasonDecompress
	case BadProtobuf:
		return wire.ReasonProtobuf
	case Bomb, Oversized:
		return wire.ReasonTooLarge
	}
	return ""
}

// Value returns a record value of this kind. rng drives the random bytes of Garbage (nil:
// a random seed);
// maxPayload is the consumer's limit that AtLimit meets and Oversized exceeds; thread is the thread id of
// the valid message inside WrongFraming and TruncatedZstd.
func (k Kind) Value(rng *rand.Rand, maxPayload int, thread string) ([]byte, error) {
	switch k {
	case Garbage:
		if rng == nil {
			rng = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
		}
		v := make([]byte, 32+rng.IntN(256))
		for i := range v {
			v[i] = byte(rng.Uint32())
		}
		v[0] = byte(2 + rng.IntN(254)) // never 0x00 or 0x01
		return v, nil
	case WrongFraming:
		v, err := validValue(thread, "", wire.CompressThreshold(-1))
		if err != nil {
			return nil, err
		}
		v[0] = 0x02
		return v, nil
	case TruncatedZstd:
		v, err := validValue(thread, strings.Repeat("compressible payload ", 200))
		if err != nil {
			return nil, err
		}
		if v[0] != wire.FramingZstd {
			return nil, fmt.Errorf("truncated-zstd: the encoder did not compress the message")
		}
		return v[:len(v)/2], nil
	case BadProtobuf:
		return []byte{wire.FramingPlain, 0xff, 0xff, 0xff}, nil // a varint that never ends
	case Bomb:
		frame, err := bombFrame()
		return bytes.Clone(frame), err
	case AtLimit:
		v := make([]byte, maxPayload)
		copy(v, bytes.Repeat([]byte("at the limit "), len(v)/13+1))
		v[0] = 0x02
		return v, nil
	case Oversized:
		v := make([]byte, 1+maxPayload+1024)
		v[0] = wire.FramingPlain
		copy(v[1:], bytes.Repeat([]byte("oversized "), len(v)/10))
		return v, nil
	}
	_, err := ParseKind(string(k))
	return nil, err
}

// validValue encodes a valid event of thread with sequence 1, with an attribute of pad.
func validValue(thread, pad string, opts ...wire.EncoderOpt) ([]byte, error) {
	ev := &dspb.Event{
		Header: &dspb.Header{MessageId: bytes.Repeat([]byte{0xc4}, 16), TimestampUs: time.Now().UnixMicro(),
			TenantId: "chaos", ThreadId: thread, Sequence: 1, Type: dspb.MessageType_MESSAGE_TYPE_EVENT,
			SchemaVersion: wire.SchemaVersion},
		EventType: dspb.EventType_EVENT_TYPE_NODE_START, NodeId: "chaos",
	}
	if pad != "" {
		ev.Attributes = map[string]*dspb.AttributeValue{
			"pad": {Value: &dspb.AttributeValue_StringValue{StringValue: pad}},
		}
	}
	v, err := wire.NewEncoder(opts...).Encode(&dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Event{Event: ev}})
	if err != nil {
		return nil, fmt.Errorf("corrupt value: %w", err)
	}
	return v, nil
}

// bombFrame is 0x01 and a streamed zstd frame of BombSize zeros, made once.
var bombFrame = sync.OnceValues(func() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte(wire.FramingZstd)
	w, err := zstd.NewWriter(&buf, zstd.WithEncoderConcurrency(1))
	if err != nil {
		return nil, fmt.Errorf("bomb: %w", err)
	}
	zeros := make([]byte, 1<<20)
	for range BombSize / len(zeros) {
		if _, err := w.Write(zeros); err != nil {
			return nil, fmt.Errorf("bomb: %w", err)
		}
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("bomb: %w", err)
	}
	return buf.Bytes(), nil
})
