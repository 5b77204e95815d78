package wiredecode_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/dashstream/acceptance/system/observe/wiredecode"
)

// event returns a plain record value: an Event with the given header bytes and extra
// Event fields appended after the header.
func event(header []byte, extra ...byte) []byte {
	ev := append(lenField(nil, 1, header), extra...)
	return append([]byte{0x00}, lenField(nil, 1, ev)...)
}

func TestDecodeMalformed(t *testing.T) {
	h := headerBytes(1, 1, 0)
	big := bytes.Repeat([]byte("a"), 2048)
	enc, _ := zstd.NewWriter(nil)
	bomb := append([]byte{0x01}, enc.EncodeAll(bytes.Repeat([]byte{0}, 4096), nil)...)
	cases := []struct {
		name  string
		max   int
		value []byte
		want  error
		msg   string
	}{
		{"empty value", 0, nil, wiredecode.ErrFraming, "empty"},
		{"unknown framing byte", 0, append([]byte{0x02}, event(h)[1:]...), wiredecode.ErrFraming, "0x02"},
		{"lz4 is not a framing byte", 0, []byte{0x7f, 0x0a, 0x00}, wiredecode.ErrFraming, "0x7f"},
		{"value above the maximum", 1024, append([]byte{0x00}, big...), wiredecode.ErrTooLarge, "2048 bytes"},
		{"zstd frame declaring more than the maximum", 1024, bomb, wiredecode.ErrTooLarge, "declares 4096"},
		{"zstd frame that is not zstd", 0, []byte{0x01, 0xde, 0xad, 0xbe, 0xef, 0x00}, wiredecode.ErrDecompress, "zstd"},
		{"truncated zstd frame", 0, append([]byte{0x01}, zstdRawFrame(bytes.Repeat([]byte{1}, 300))[:50]...), wiredecode.ErrDecompress, "zstd"},
		{"no payload", 0, []byte{0x00}, wiredecode.ErrNoPayload, "none of fields 1-9"},
		{"only unknown fields", 0, append([]byte{0x00}, strField(nil, 15, "x")...), wiredecode.ErrNoPayload, ""},
		{"payload without header", 0, append([]byte{0x00}, lenField(nil, 6, strField(nil, 2, "quality"))...), wiredecode.ErrNoHeader, "metrics has no field 1"},
		{"truncated length", 0, []byte{0x00, 0x0a, 0x10, 0x0a}, wiredecode.ErrProtobuf, "DashStreamMessage field 1"},
		{"truncated varint", 0, event(append(append([]byte{}, h...), 0x28, 0x80)), wiredecode.ErrProtobuf, "Header field 5"},
		{"field number 0", 0, []byte{0x00, 0x02, 0x00}, wiredecode.ErrProtobuf, "field tag"},
		{"payload as varint", 0, []byte{0x00, 0x08, 0x01}, wiredecode.ErrProtobuf, "DashStreamMessage field 1 has wire type 0"},
		{"sequence as bytes", 0, event(strField(nil, 5, "1")), wiredecode.ErrProtobuf, "Header field 5 has wire type 2"},
		{"tenant as varint", 0, event(varField(nil, 3, 7)), wiredecode.ErrProtobuf, "Header field 3 has wire type 0"},
		{"event_type as bytes", 0, event(h, strField(nil, 2, "x")...), wiredecode.ErrProtobuf, "event field 2 has wire type 2"},
		{"node_id as varint (a field the Record skips)", 0, event(h, varField(nil, 3, 1)...), wiredecode.ErrProtobuf, "event field 3"},
		{"tenant not UTF-8", 0, event(lenField(nil, 3, []byte{0xff, 0xfe})), wiredecode.ErrProtobuf, "tenant_id is not valid UTF-8"},
		{"stray end group", 0, []byte{0x00, 0x0c}, wiredecode.ErrProtobuf, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var opts []wiredecode.Opt
			if c.max > 0 {
				opts = append(opts, wiredecode.MaxPayload(c.max))
			}
			_, err := wiredecode.New(opts...).Decode(c.value)
			require.Error(t, err)
			require.True(t, errors.Is(err, c.want), "error %q does not wrap %v", err, c.want)
			require.Contains(t, err.Error(), c.msg)
		})
	}
}

func TestDecodeProtobufRules(t *testing.T) {
	dec := wiredecode.New()
	t.Run("unknown fields are skipped at every level", func(t *testing.T) {
		h := append(headerBytes(7, 1, 0), strField(nil, 20, "future")...)
		h = protowire.AppendFixed32(protowire.AppendTag(h, 21, protowire.Fixed32Type), 1)
		v := event(h, varField(nil, 99, 5)...)
		v = append(v, strField(nil, 100, "envelope extension")...)
		rec, err := dec.Decode(v)
		require.NoError(t, err)
		require.Equal(t, uint64(7), rec.Header.Sequence)
		require.Equal(t, "customer-123", rec.Header.TenantID)
	})
	t.Run("the last scalar wins and a repeated header merges", func(t *testing.T) {
		ev := lenField(nil, 1, headerBytes(1, 1, 0))
		ev = lenField(ev, 1, varField(strField(nil, 3, "other"), 5, 9)) // a second header part
		rec, err := dec.Decode(append([]byte{0x00}, lenField(nil, 1, ev)...))
		require.NoError(t, err)
		require.Equal(t, "other", rec.Header.TenantID)
		require.Equal(t, uint64(9), rec.Header.Sequence)
		require.Equal(t, "thread-0001", rec.Header.ThreadID, "fields of the first part stay")
	})
	t.Run("the last oneof member wins", func(t *testing.T) {
		v := event(headerBytes(1, 1, 0))
		v = append(v, lenField(nil, 7, lenField(nil, 1, headerBytes(2, 7, 0)))...)
		rec, err := dec.Decode(v)
		require.NoError(t, err)
		require.Equal(t, wiredecode.KindError, rec.Kind)
		require.Equal(t, uint64(2), rec.Header.Sequence)
	})
	t.Run("an empty header is a header", func(t *testing.T) {
		rec, err := dec.Decode(event(nil))
		require.NoError(t, err)
		require.True(t, rec.HasHeader)
		require.Equal(t, wiredecode.Header{}, rec.Header)
	})
	t.Run("every payload kind and every header field", func(t *testing.T) {
		for k := wiredecode.KindEvent; k <= wiredecode.KindExecutionTrace; k++ {
			h := append(headerBytes(5, uint64(k), 3), lenField(nil, 7, []byte{1, 2})...)
			rec, err := dec.Decode(append([]byte{0x00}, lenField(nil, protowire.Number(k), lenField(nil, 1, h))...))
			require.NoError(t, err, k.String())
			require.Equal(t, k, rec.Kind)
			require.Equal(t, wiredecode.Header{MessageID: goldenID, TimestampUs: goldenTS, TenantID: "customer-123",
				ThreadID: "thread-0001", Sequence: 5, Type: int32(k), ParentID: []byte{1, 2}, Compression: 3, SchemaVersion: 1}, rec.Header)
		}
	})
	t.Run("content at the maximum is accepted", func(t *testing.T) {
		v := event(headerBytes(1, 1, 0))
		_, err := wiredecode.New(wiredecode.MaxPayload(len(v) - 1)).Decode(v)
		require.NoError(t, err)
		_, err = wiredecode.New(wiredecode.MaxPayload(len(v) - 2)).Decode(v)
		require.ErrorIs(t, err, wiredecode.ErrTooLarge)
	})
	t.Run("zstd content above the maximum without a declared size", func(t *testing.T) {
		// By hand: magic, descriptor 0x00 (no content size, not single segment), window
		// descriptor 0x00 (1 KiB), then 8 raw blocks of 1 KiB, the last one flagged.
		frame := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00}
		for i := range 8 {
			bh := uint32(1024)<<3 | 0<<1
			if i == 7 {
				bh |= 1
			}
			frame = append(frame, byte(bh), byte(bh>>8), byte(bh>>16))
			frame = append(frame, bytes.Repeat([]byte{0x0a}, 1024)...)
		}
		var zh zstd.Header
		require.NoError(t, zh.Decode(frame))
		require.False(t, zh.HasFCS, "the test needs a frame without a content size")
		_, err := wiredecode.New(wiredecode.MaxPayload(4096)).Decode(append([]byte{0x01}, frame...))
		require.ErrorIs(t, err, wiredecode.ErrTooLarge)
		rec, err := wiredecode.New(wiredecode.MaxPayload(16384)).Decode(append([]byte{0x01}, frame...))
		require.ErrorIs(t, err, wiredecode.ErrProtobuf, "below the maximum the frame decodes (to garbage): %+v", rec)
	})
}

func TestHeaderGettersAreNilSafe(t *testing.T) {
	var nilHeader *wiredecode.Header
	require.Zero(t, nilHeader.GetSequence())
	require.Empty(t, nilHeader.GetThreadId())
	require.Empty(t, nilHeader.GetTenantId())
	require.Nil(t, nilHeader.GetMessageId())
	require.Zero(t, nilHeader.GetTimestampUs())
	require.Zero(t, nilHeader.GetSchemaVersion())
	h := handHeader(3, 1, 0)
	require.Equal(t, uint64(3), h.GetSequence())
	require.Equal(t, "thread-0001", h.GetThreadId())
	require.Equal(t, "customer-123", h.GetTenantId())
	require.Equal(t, goldenID, h.GetMessageId())
	require.Equal(t, int64(goldenTS), h.GetTimestampUs())
	require.Equal(t, uint32(1), h.GetSchemaVersion())
}
