package wire

import (
	"fmt"

	"github.com/klauspost/compress/zstd"
	"google.golang.org/protobuf/proto"

	"github.com/dashstream/acceptance/reference/wire/dspb"
)

// Framing bytes: the first byte of every record value.
const (
	FramingPlain byte = 0x00
	FramingZstd  byte = 0x01
)

// Defaults of the format.
const (
	// DefaultCompressThreshold is the marshalled size above which an Encoder tries zstd.
	DefaultCompressThreshold = 512
	// DefaultMaxPayload is the largest value, and decompressed content, a Decoder accepts.
	DefaultMaxPayload = 10 << 20
	// SchemaVersion is the current Header.SchemaVersion.
	SchemaVersion = 1
)

// EncoderOpt configures an Encoder.
type EncoderOpt interface{ applyEncoder(*Encoder) }

type encoderOpt func(*Encoder)

func (o encoderOpt) applyEncoder(e *Encoder) { o(e) }

// CompressThreshold sets the marshalled size in bytes above which zstd is tried; a
// negative value disables compression.
func CompressThreshold(n int) EncoderOpt { return encoderOpt(func(e *Encoder) { e.threshold = n }) }

// Encoder turns messages into framed record values. The zero value is not usable: call
// NewEncoder.
type Encoder struct {
	threshold int
	zstd      *zstd.Encoder
	marshal   proto.MarshalOptions
}

// NewEncoder returns an Encoder with DefaultCompressThreshold unless opts say otherwise.
func NewEncoder(opts ...EncoderOpt) *Encoder {
	e := &Encoder{threshold: DefaultCompressThreshold, marshal: proto.MarshalOptions{Deterministic: true}}
	for _, o := range opts {
		o.applyEncoder(e)
	}
	// Only the encoder's fixed options can fail; they are constants here.
	e.zstd, _ = zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithEncoderCRC(true))
	return e
}

// Encode frames msg. It sets the header's Compression to mirror the framing it chose, so
// msg is modified. msg must carry a payload with a header.
func (e *Encoder) Encode(msg *dspb.DashStreamMessage) ([]byte, error) {
	h := HeaderOf(msg)
	if h == nil {
		return nil, fmt.Errorf("encode: message has no payload or no header")
	}
	h.Compression = dspb.CompressionType_COMPRESSION_TYPE_NONE
	plain, err := e.marshal.Marshal(msg)
	if err != nil {
		return nil, fmt.Errorf("encode: marshal: %w", err)
	}
	if e.threshold >= 0 && len(plain) > e.threshold {
		h.Compression = dspb.CompressionType_COMPRESSION_TYPE_ZSTD
		content, err := e.marshal.Marshal(msg)
		if err != nil {
			return nil, fmt.Errorf("encode: marshal: %w", err)
		}
		out := e.zstd.EncodeAll(content, append(make([]byte, 0, len(content)/2+1), FramingZstd))
		if len(out) < len(plain)+1 {
			return out, nil
		}
		h.Compression = dspb.CompressionType_COMPRESSION_TYPE_NONE
	}
	return append(append(make([]byte, 0, len(plain)+1), FramingPlain), plain...), nil
}

// DecoderOpt configures a Decoder.
type DecoderOpt interface{ applyDecoder(*Decoder) }

type decoderOpt func(*Decoder)

func (o decoderOpt) applyDecoder(d *Decoder) { o(d) }

// MaxPayload sets the largest value and decompressed content in bytes a Decoder accepts.
func MaxPayload(n int) DecoderOpt { return decoderOpt(func(d *Decoder) { d.max = n }) }

// Decoder turns framed record values into messages. The zero value is not usable: call
// NewDecoder. Decode is safe for concurrent use (the zstd decoder's DecodeAll is).
type Decoder struct {
	max  int
	zstd *zstd.Decoder
}

// NewDecoder returns a Decoder with DefaultMaxPayload unless opts say otherwise.
func NewDecoder(opts ...DecoderOpt) *Decoder {
	d := &Decoder{max: DefaultMaxPayload}
	for _, o := range opts {
		o.applyDecoder(d)
	}
	// WithDecoderMaxMemory bounds DecodeAll's output: a frame declaring a larger content
	// size is refused before allocation, and one that lies is stopped at the bound.
	d.zstd, _ = zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(0),
		zstd.WithDecoderMaxMemory(uint64(d.max)),
		zstd.WithDecoderMaxWindow(uint64(min(d.max, zstd.MaxWindowSize))))
	return d
}

// Decode parses a framed record value. Every error is a *DecodeError.
func (d *Decoder) Decode(value []byte) (*dspb.DashStreamMessage, error) {
	if len(value) == 0 {
		return nil, decodeErr(ReasonFraming, nil, "empty value")
	}
	if len(value) > d.max+1 {
		return nil, decodeErr(ReasonTooLarge, nil, "value is %d bytes, maximum %d", len(value), d.max)
	}
	content := value[1:]
	switch value[0] {
	case FramingPlain:
	case FramingZstd:
		if err := d.checkDeclaredSize(content); err != nil {
			return nil, err
		}
		out, err := d.zstd.DecodeAll(content, nil)
		if err != nil {
			if err == zstd.ErrDecoderSizeExceeded || err == zstd.ErrWindowSizeExceeded {
				return nil, decodeErr(ReasonTooLarge, err, "decompressed content exceeds %d bytes", d.max)
			}
			return nil, decodeErr(ReasonDecompress, err, "zstd frame of %d bytes", len(content))
		}
		content = out
	default:
		return nil, decodeErr(ReasonFraming, nil, "first byte 0x%02x is not 0x00 (plain) or 0x01 (zstd)", value[0])
	}
	msg := &dspb.DashStreamMessage{}
	if err := proto.Unmarshal(content, msg); err != nil {
		return nil, decodeErr(ReasonProtobuf, err, "%d bytes of content", len(content))
	}
	if HeaderOf(msg) == nil {
		return nil, decodeErr(ReasonProtobuf, nil, "message has no payload or no header")
	}
	return msg, nil
}

// checkDeclaredSize refuses a zstd frame whose header declares more content than allowed,
// before any decoding starts.
func (d *Decoder) checkDeclaredSize(frame []byte) error {
	var h zstd.Header
	if err := h.Decode(frame); err != nil {
		return decodeErr(ReasonDecompress, err, "zstd frame header")
	}
	if h.HasFCS && h.FrameContentSize > uint64(d.max) {
		return decodeErr(ReasonTooLarge, nil, "zstd frame declares %d bytes, maximum %d", h.FrameContentSize, d.max)
	}
	return nil
}

// ContentBound returns, without decompressing, the most bytes decoding value can produce:
// the length of a plain value's content, the content size a zstd frame declares, or the
// maximum payload when the frame declares none (or declares more, which Decode refuses).
// A caller that budgets memory reserves this much before calling Decode.
func (d *Decoder) ContentBound(value []byte) int {
	if len(value) < 2 {
		return 0
	}
	if value[0] != FramingZstd {
		return min(len(value)-1, d.max)
	}
	var h zstd.Header
	if err := h.Decode(value[1:]); err != nil || !h.HasFCS || h.FrameContentSize > uint64(d.max) {
		return d.max
	}
	return int(h.FrameContentSize)
}
