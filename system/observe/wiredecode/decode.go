package wiredecode

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/klauspost/compress/zstd"
	"google.golang.org/protobuf/encoding/protowire"
)

// DefaultMaxPayload is the largest value (without its framing byte) and the largest
// decompressed content a Decoder accepts unless MaxPayload says otherwise: 10 MiB.
const DefaultMaxPayload = 10 << 20

// Opt configures a Decoder.
type Opt interface{ apply(*Decoder) }

type optFunc func(*Decoder)

func (o optFunc) apply(d *Decoder) { o(d) }

// MaxPayload sets the largest value and content in bytes a Decoder accepts; values below
// 1 are ignored.
func MaxPayload(n int) Opt {
	return optFunc(func(d *Decoder) {
		if n > 0 {
			d.max = n
		}
	})
}

// Decoder reads framed record values. The zero value is not usable: call New.
type Decoder struct {
	max  int
	zstd *zstd.Decoder
}

// New returns a Decoder with DefaultMaxPayload unless opts say otherwise.
func New(opts ...Opt) *Decoder {
	d := &Decoder{max: DefaultMaxPayload}
	for _, o := range opts {
		o.apply(d)
	}
	// The options are constants and valid, so NewReader cannot fail here. MaxMemory
	// stops DecodeAll at the bound however large the frame claims or turns out to be.
	d.zstd, _ = zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(0),
		zstd.WithDecoderMaxMemory(uint64(d.max)),
		zstd.WithDecoderMaxWindow(uint64(min(d.max, zstd.MaxWindowSize))))
	return d
}

// Max returns the maximum payload in bytes.
func (d *Decoder) Max() int { return d.max }

// Decode reads one record value. Every error wraps one of the package's sentinel errors.
func (d *Decoder) Decode(value []byte) (Record, error) {
	var rec Record
	if len(value) == 0 {
		return rec, fmt.Errorf("wiredecode: %w: empty value", ErrFraming)
	}
	if len(value)-1 > d.max {
		return rec, fmt.Errorf("wiredecode: %w: value holds %d bytes after the framing byte, maximum %d", ErrTooLarge, len(value)-1, d.max)
	}
	rec.Framing = value[0]
	content := value[1:]
	switch rec.Framing {
	case FramingPlain:
	case FramingZstd:
		var err error
		if content, err = d.decompress(content); err != nil {
			return rec, err
		}
	default:
		return rec, fmt.Errorf("wiredecode: %w: first byte 0x%02x is neither 0x00 (plain) nor 0x01 (zstd)", ErrFraming, rec.Framing)
	}
	rec.ContentSize = len(content)
	if err := readMessage(content, &rec); err != nil {
		return rec, err
	}
	return rec, nil
}

// decompress decodes one zstd frame, refusing more than d.max bytes of content before
// allocating them.
func (d *Decoder) decompress(frame []byte) ([]byte, error) {
	var h zstd.Header
	if err := h.Decode(frame); err != nil {
		return nil, fmt.Errorf("wiredecode: %w: zstd frame header: %w", ErrDecompress, err)
	}
	if h.HasFCS && h.FrameContentSize > uint64(d.max) {
		return nil, fmt.Errorf("wiredecode: %w: zstd frame declares %d bytes of content, maximum %d", ErrTooLarge, h.FrameContentSize, d.max)
	}
	out, err := d.zstd.DecodeAll(frame, nil)
	if errors.Is(err, zstd.ErrDecoderSizeExceeded) || errors.Is(err, zstd.ErrWindowSizeExceeded) {
		return nil, fmt.Errorf("wiredecode: %w: zstd content exceeds %d bytes: %w", ErrTooLarge, d.max, err)
	}
	if err != nil {
		return nil, fmt.Errorf("wiredecode: %w: zstd frame of %d bytes: %w", ErrDecompress, len(frame), err)
	}
	if len(out) > d.max {
		return nil, fmt.Errorf("wiredecode: %w: zstd content is %d bytes, maximum %d", ErrTooLarge, len(out), d.max)
	}
	return out, nil
}

// readMessage fills rec from a DashStreamMessage.
func readMessage(b []byte, rec *Record) error {
	var payload []byte
	err := walk("DashStreamMessage", b, envelopeFields, func(num protowire.Number, v []byte, _ uint64) error {
		k := Kind(num)
		if k != rec.Kind { // another oneof member replaces the one before
			rec.Kind, payload = k, nil
		}
		payload = append(payload, v...) // the same member again merges
		return nil
	})
	if err != nil {
		return err
	}
	if rec.Kind == KindNone {
		return fmt.Errorf("wiredecode: %w: DashStreamMessage sets none of fields 1-9", ErrNoPayload)
	}
	return readPayload(payload, rec)
}

// readPayload fills rec from the payload message of rec.Kind.
func readPayload(b []byte, rec *Record) error {
	name := rec.Kind.String()
	var header []byte
	err := walk(name, b, payloadFields[rec.Kind], func(num protowire.Number, v []byte, x uint64) error {
		switch {
		case num == 1:
			rec.HasHeader = true
			header = append(header, v...)
		case rec.Kind == KindEvent && num == 2:
			rec.EventType = int32(x)
		case rec.Kind == KindMetrics && num == 2:
			return str(name, "scope", v, &rec.Scope)
		case rec.Kind == KindMetrics && num == 3:
			return str(name, "scope_id", v, &rec.ScopeID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !rec.HasHeader {
		return fmt.Errorf("wiredecode: %w: %s has no field 1 (Header)", ErrNoHeader, name)
	}
	return readHeader(header, &rec.Header)
}

// readHeader fills h from a Header message.
func readHeader(b []byte, h *Header) error {
	return walk("Header", b, headerFields, func(num protowire.Number, v []byte, x uint64) error {
		switch num {
		case 1:
			h.MessageID = append([]byte(nil), v...)
		case 2:
			h.TimestampUs = int64(x)
		case 3:
			return str("Header", "tenant_id", v, &h.TenantID)
		case 4:
			return str("Header", "thread_id", v, &h.ThreadID)
		case 5:
			h.Sequence = x
		case 6:
			h.Type = int32(x)
		case 7:
			h.ParentID = append([]byte(nil), v...)
		case 8:
			h.Compression = int32(x)
		case 9:
			h.SchemaVersion = uint32(x)
		}
		return nil
	})
}

func str(msg, field string, v []byte, dst *string) error {
	if !utf8.Valid(v) {
		return fmt.Errorf("wiredecode: %w: %s.%s is not valid UTF-8", ErrProtobuf, msg, field)
	}
	*dst = string(v)
	return nil
}
