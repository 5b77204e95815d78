package chaos_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/reference/wire"
	"github.com/dashstream/acceptance/system/chaos"
)

func TestKindValuesFailToDecodeForTheirReason(t *testing.T) {
	want := map[chaos.Kind]string{
		chaos.Garbage: wire.ReasonFraming, chaos.WrongFraming: wire.ReasonFraming,
		chaos.TruncatedZstd: wire.ReasonDecompress, chaos.BadProtobuf: wire.ReasonProtobuf,
		chaos.Bomb: wire.ReasonTooLarge, chaos.Oversized: wire.ReasonTooLarge, chaos.AtLimit: wire.ReasonFraming,
	}
	require.Len(t, chaos.Kinds(), len(want))
	const maxPayload = 64 << 10
	dec := wire.NewDecoder(wire.MaxPayload(maxPayload))
	for _, k := range chaos.Kinds() {
		t.Run(string(k), func(t *testing.T) {
			require.Equal(t, want[k], k.Reason())
			parsed, err := chaos.ParseKind(string(k))
			require.NoError(t, err)
			require.Equal(t, k, parsed)
			for seed := range uint64(20) {
				v, err := k.Value(rand.New(rand.NewPCG(seed, seed)), maxPayload, "thread-1")
				require.NoError(t, err)
				_, err = dec.Decode(v)
				require.Equal(t, want[k], wire.ReasonOf(err), "seed %d: %v", seed, err)
			}
		})
	}
	t.Run("bomb is tiny on the wire", func(t *testing.T) {
		v, err := chaos.Bomb.Value(nil, maxPayload, "")
		require.NoError(t, err)
		require.Less(t, len(v), 64<<10)
		t.Logf("a bomb of %d MiB of zeros is %d bytes", chaos.BombSize>>20, len(v))
		_, err = wire.NewDecoder().Decode(v)
		require.Equal(t, wire.ReasonTooLarge, wire.ReasonOf(err), "rejected at the default limit too")
	})
	t.Run("wrong framing wraps a valid message", func(t *testing.T) {
		v, err := chaos.WrongFraming.Value(nil, maxPayload, "thread-1")
		require.NoError(t, err)
		v[0] = wire.FramingPlain
		msg, err := dec.Decode(v)
		require.NoError(t, err)
		require.Equal(t, "thread-1", wire.HeaderOf(msg).ThreadId)
	})
	_, err := chaos.ParseKind("nonsense")
	require.ErrorContains(t, err, "garbage, wrong-framing, truncated-zstd, bad-protobuf, bomb, at-limit, oversized")
}
