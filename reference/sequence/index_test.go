package sequence

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestIndexAgainstMap drives the index with random inserts and removes of hashes crowded
// onto few home cells (long probe runs that wrap around the end of the array, equal tags
// with different hashes) and checks every lookup against a Go map.
func TestIndexAgainstMap(t *testing.T) {
	for seed := range uint64(6) {
		rng := rand.New(rand.NewPCG(seed, 2))
		var (
			x     index
			slots []slot
			want  = map[uint64]int32{}
			free  []int32
		)
		// Low bits from a handful of values near the end of a 16..64-cell array, high
		// bits from two tags, so home cells and tags collide a lot.
		randHash := func() uint64 {
			low := uint64(13 + rng.IntN(4) + 16*rng.IntN(3))
			tag := uint64(1 + rng.IntN(2))
			return tag<<32 | uint64(rng.IntN(1<<10))<<8 | low
		}
		for op := range 3000 {
			if len(want) > 0 && rng.IntN(2) == 0 {
				// remove a random present hash
				var h uint64
				n := rng.IntN(len(want))
				for k := range want {
					if n == 0 {
						h = k
						break
					}
					n--
				}
				x.remove(h, slots)
				free = append(free, want[h])
				delete(want, h)
			} else {
				h := randHash()
				if has(want, h) {
					continue
				}
				var s int32
				if len(free) > 0 {
					s, free = free[len(free)-1], free[:len(free)-1]
				} else {
					s = int32(len(slots))
					slots = append(slots, slot{})
				}
				slots[s].hash = h
				x.insert(h, s, slots)
				want[h] = s
			}
			require.Equal(t, len(want), x.n, "op %d", op)
			for h, s := range want {
				require.Equal(t, s, x.find(h, slots), "op %d: hash %#x", op, h)
			}
			for range 5 {
				if h := randHash(); !has(want, h) {
					require.Equal(t, none, x.find(h, slots), "op %d: absent %#x", op, h)
				}
			}
		}
	}
}

func has(m map[uint64]int32, h uint64) bool {
	_, ok := m[h]
	return ok
}
