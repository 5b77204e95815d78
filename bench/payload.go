package bench

import (
	"fmt"
	"math/rand/v2"

	"github.com/dashstream/acceptance/reference/wire"
	"github.com/dashstream/acceptance/reference/wire/dspb"
)

// printable is the alphabet of kcat's values: no delimiter, no newline, no tab.
const printable = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// ThreadID returns the i-th benchmark thread id: the record key of both producers.
func ThreadID(i int) string { return fmt.Sprintf("bench-%04d", i) }

// BenchTenant is the tenant of every benchmark message (and kcat's tenant_id header).
const BenchTenant = "bench"

// Message returns an Event whose framed value (uncompressed) is valueBytes long once the
// reference producer has stamped its header with a sequence of three varint bytes (16 384
// to 2 097 151); smaller sequences make it one or two bytes shorter. The padding is a
// random, incompressible bytes attribute.
func Message(valueBytes int, seed uint64) (*dspb.DashStreamMessage, error) {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	build := func(pad int) *dspb.DashStreamMessage {
		b := make([]byte, pad)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return &dspb.DashStreamMessage{Message: &dspb.DashStreamMessage_Event{Event: &dspb.Event{
			Header:    &dspb.Header{},
			EventType: dspb.EventType_EVENT_TYPE_NODE_START,
			NodeId:    "bench-node",
			Attributes: map[string]*dspb.AttributeValue{
				"payload": {Value: &dspb.AttributeValue_BytesValue{BytesValue: b}},
			},
		}}}
	}
	enc := wire.NewEncoder(wire.CompressThreshold(-1))
	size := func(pad int) (int, error) {
		m := build(pad)
		h := wire.HeaderOf(m)
		// What the producer stamps: 16-byte id, a current timestamp, tenant, thread,
		// a 3-byte sequence, type and schema version.
		h.MessageId = make([]byte, 16)
		h.TimestampUs = 1_764_000_000_000_000
		h.TenantId, h.ThreadId, h.Sequence = BenchTenant, ThreadID(0), 100_000
		h.Type, h.SchemaVersion = dspb.MessageType_MESSAGE_TYPE_EVENT, wire.SchemaVersion
		v, err := enc.Encode(m)
		return len(v), err
	}
	base, err := size(0)
	if err != nil {
		return nil, fmt.Errorf("bench message: %w", err)
	}
	if base > valueBytes {
		return nil, fmt.Errorf("bench message: a message without padding is %d bytes, more than %d: ask for larger values", base, valueBytes)
	}
	// Length prefixes grow with the padding: search the padding that lands exactly.
	for pad := valueBytes - base; pad >= 0; pad-- {
		n, err := size(pad)
		if err != nil {
			return nil, fmt.Errorf("bench message: %w", err)
		}
		if n == valueBytes {
			return build(pad), nil
		}
	}
	return nil, fmt.Errorf("bench message: no padding gives a %d-byte value", valueBytes)
}

// KcatLines returns n distinct lines "key\tvalue\n" for kcat -P -K '\t': keys cycle
// through threads ThreadIDs, values are valueBytes printable characters.
func KcatLines(n, threads, valueBytes int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 0xca7))
	var out []byte
	for i := range n {
		out = append(out, ThreadID(i%threads)...)
		out = append(out, '\t')
		for range valueBytes {
			out = append(out, printable[rng.IntN(len(printable))])
		}
		out = append(out, '\n')
	}
	return out
}
