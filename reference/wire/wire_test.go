package wire

import (
	"bytes"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/dashstream/acceptance/reference/wire/dspb"
)

func event(thread string, seq uint64, nodeID string) *dspb.DashStreamMessage {
	return &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Event{Event: &dspb.Event{
		Header: &dspb.Header{
			MessageId: bytes.Repeat([]byte{0xab}, 16), TimestampUs: 1_700_000_000_000_000,
			TenantId: "default", ThreadId: thread, Sequence: seq,
			Type: dspb.MessageType_MESSAGE_TYPE_EVENT, SchemaVersion: SchemaVersion,
		},
		EventType: dspb.EventType_EVENT_TYPE_NODE_START,
		NodeId:    nodeID,
	}}}
}

func TestEncodeChoosesFraming(t *testing.T) {
	incompressible := event("t", 1, "n")
	noise := make([]byte, 2048)
	_, _ = rand.NewChaCha8([32]byte{7}).Read(noise)
	HeaderOf(incompressible).ParentId = noise
	tests := []struct {
		name    string
		msg     *dspb.DashStreamMessage
		opts    []EncoderOpt
		framing byte
	}{
		{"small stays plain", event("t", 1, "n"), nil, FramingPlain},
		{"large repetitive is compressed", event("t", 1, strings.Repeat("node-", 200)), nil, FramingZstd},
		{"large incompressible stays plain", incompressible, nil, FramingPlain},
		{"threshold raised keeps it plain", event("t", 1, strings.Repeat("node-", 200)), []EncoderOpt{CompressThreshold(4096)}, FramingPlain},
		{"negative threshold disables zstd", event("t", 1, strings.Repeat("node-", 200)), []EncoderOpt{CompressThreshold(-1)}, FramingPlain},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			enc, dec := NewEncoder(tc.opts...), NewDecoder()
			value, err := enc.Encode(tc.msg)
			require.NoError(t, err)
			require.Equal(t, tc.framing, value[0])
			want := dspb.CompressionType_COMPRESSION_TYPE_NONE
			if tc.framing == FramingZstd {
				want = dspb.CompressionType_COMPRESSION_TYPE_ZSTD
			}
			require.Equal(t, want, HeaderOf(tc.msg).GetCompression(), "header mirrors the framing")
			got, err := dec.Decode(value)
			require.NoError(t, err)
			require.True(t, proto.Equal(tc.msg, got), "round trip changed the message")
		})
	}
}

func zstdFrame(t *testing.T, content []byte) []byte {
	t.Helper()
	enc, err := zstd.NewWriter(nil)
	require.NoError(t, err)
	return enc.EncodeAll(content, []byte{FramingZstd})
}

func TestDecodeRejects(t *testing.T) {
	valid, err := NewEncoder(CompressThreshold(0)).Encode(event("t", 1, strings.Repeat("x", 600)))
	require.NoError(t, err)
	require.Equal(t, FramingZstd, valid[0])
	tests := []struct {
		name   string
		value  []byte
		max    int
		reason string
	}{
		{"empty value", nil, 0, ReasonFraming},
		{"unknown framing byte", []byte{0x02, 0x0a, 0x00}, 0, ReasonFraming},
		{"json is not framed", []byte(`{"event":{}}`), 0, ReasonFraming},
		{"truncated zstd", valid[:len(valid)/2], 0, ReasonDecompress},
		{"zstd garbage", []byte{FramingZstd, 1, 2, 3, 4, 5, 6, 7, 8}, 0, ReasonDecompress},
		{"plain garbage", []byte{FramingPlain, 0xff, 0xff, 0xff}, 0, ReasonProtobuf},
		{"plain without payload", []byte{FramingPlain}, 0, ReasonProtobuf},
		{"value over maximum", append([]byte{FramingPlain}, make([]byte, 2048)...), 1024, ReasonTooLarge},
		{"decompression bomb", zstdFrame(t, make([]byte, 4<<20)), 1 << 20, ReasonTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var opts []DecoderOpt
			if tc.max > 0 {
				opts = append(opts, MaxPayload(tc.max))
			}
			msg, err := NewDecoder(opts...).Decode(tc.value)
			require.Nil(t, msg)
			require.Error(t, err)
			require.Equal(t, tc.reason, ReasonOf(err), "error: %v", err)
		})
	}
}

func TestDecodeBombAllocatesLittle(t *testing.T) {
	bomb := zstdFrame(t, make([]byte, 64<<20)) // 64 MiB of zeros, a few KiB compressed
	dec := NewDecoder(MaxPayload(1 << 20))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 5 {
		_, err := dec.Decode(bomb)
		require.ErrorIs(t, err, ErrTooLarge)
	}
	runtime.ReadMemStats(&after)
	require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(16<<20),
		"five rejected 64 MiB bombs must not allocate their claimed size")
}

func TestEncodeWithoutHeader(t *testing.T) {
	_, err := NewEncoder().Encode(&dspb.DashStreamMessage{})
	require.ErrorContains(t, err, "no payload")
}

func TestUnknownFieldsOfOpaquePayloadsRoundTrip(t *testing.T) {
	header, err := proto.Marshal(&dspb.Header{ThreadId: "t", Sequence: 9, TenantId: "acme"})
	require.NoError(t, err)
	// A Checkpoint as another implementation writes it: header plus a field 7 unknown here.
	var checkpoint []byte
	checkpoint = protowire.AppendTag(checkpoint, 1, protowire.BytesType)
	checkpoint = protowire.AppendBytes(checkpoint, header)
	checkpoint = protowire.AppendTag(checkpoint, 7, protowire.VarintType)
	checkpoint = protowire.AppendVarint(checkpoint, 42)
	var raw []byte
	raw = protowire.AppendTag(raw, 5, protowire.BytesType)
	raw = protowire.AppendBytes(raw, checkpoint)

	got, err := NewDecoder().Decode(append([]byte{FramingPlain}, raw...))
	require.NoError(t, err)
	require.Equal(t, uint64(9), HeaderOf(got).GetSequence())
	require.Equal(t, dspb.MessageType_MESSAGE_TYPE_CHECKPOINT, TypeOf(got))
	again, err := proto.MarshalOptions{Deterministic: true}.Marshal(got)
	require.NoError(t, err)
	require.Equal(t, raw, again, "unknown fields must survive decode and re-encode")
}
