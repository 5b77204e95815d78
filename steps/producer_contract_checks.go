package steps

import (
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/observe/wiredecode"
)

// Every check below judges the records the harness read back and decoded itself
// (readBack, wiredecode): nothing the producer reports about itself.

// decoded returns the scenario's records read back, failing when there are none or one
// of them did not decode.
func decoded(ctx context.Context) ([]readRecord, error) {
	w := world(ctx)
	if len(w.records) == 0 {
		return nil, fmt.Errorf("no records were read back: a read-back step must come first")
	}
	for _, r := range w.records {
		if r.Err != nil {
			return nil, fmt.Errorf("record at %d/%d does not decode: %w", r.Partition, r.Offset, r.Err)
		}
	}
	return w.records, nil
}

// eachRecord fails with the first record for which bad returns a complaint.
func eachRecord(ctx context.Context, bad func(r readRecord) string) error {
	recs, err := decoded(ctx)
	if err != nil {
		return err
	}
	for _, r := range recs {
		if why := bad(r); why != "" {
			return fmt.Errorf("record at %d/%d (tenant %q, thread %q, sequence %d): %s",
				r.Partition, r.Offset, r.Header.TenantID, r.Header.ThreadID, r.Header.Sequence, why)
		}
	}
	return nil
}

func everyKeyIsThread(ctx context.Context) error {
	return eachRecord(ctx, func(r readRecord) string {
		if r.Key != r.Header.ThreadID || r.Key == "" {
			return fmt.Sprintf("record key %q, expected the thread id %q", r.Key, r.Header.ThreadID)
		}
		return ""
	})
}

func everyTenantHeaderMatches(ctx context.Context) error {
	return eachRecord(ctx, func(r readRecord) string {
		vs, ok := r.Headers["tenant_id"]
		switch {
		case !ok:
			return "no tenant_id record header"
		case len(vs) != 1:
			return fmt.Sprintf("%d tenant_id record headers %q, expected one", len(vs), vs)
		case vs[0] != r.Header.TenantID:
			return fmt.Sprintf("tenant_id record header %q, protobuf tenant %q", vs[0], r.Header.TenantID)
		}
		return ""
	})
}

func everyMessageIDIsV4(ctx context.Context) error {
	return eachRecord(ctx, func(r readRecord) string {
		id := r.Header.MessageID
		switch {
		case len(id) != 16:
			return fmt.Sprintf("message_id is %d bytes (%x), expected 16", len(id), id)
		case id[6]>>4 != 4:
			return fmt.Sprintf("message_id %x is a UUID version %d, expected 4", id, id[6]>>4)
		case id[8]&0xc0 != 0x80:
			return fmt.Sprintf("message_id %x does not have the RFC 4122 variant (byte 8 = %02x)", id, id[8])
		}
		return ""
	})
}

func messageIDsUnique(ctx context.Context) error {
	seen := map[string]readRecord{}
	return eachRecord(ctx, func(r readRecord) string {
		k := hex.EncodeToString(r.Header.MessageID)
		if first, ok := seen[k]; ok {
			return fmt.Sprintf("message_id %s is also on the record at %d/%d (sequence %d)", k, first.Partition, first.Offset, first.Header.Sequence)
		}
		seen[k] = r
		return ""
	})
}

func everyTimestampWithinSend(ctx context.Context) error {
	sends := state[producerContractState](world(ctx)).sends
	return eachRecord(ctx, func(r readRecord) string {
		iv, ok := sends[r.Header.TenantID]
		if !ok {
			return fmt.Sprintf("the harness timed no write of tenant %q", r.Header.TenantID)
		}
		if ts := r.Header.TimestampUs; ts < iv.fromUs || ts > iv.toUs {
			return fmt.Sprintf("timestamp_us %d is outside the write, %d to %d (%+.3f s from its start)",
				ts, iv.fromUs, iv.toUs, float64(ts-iv.fromUs)/1e6)
		}
		return ""
	})
}

func everySchemaVersion(ctx context.Context, v int) error {
	return eachRecord(ctx, func(r readRecord) string {
		if r.Header.SchemaVersion != uint32(v) {
			return fmt.Sprintf("schema_version %d, expected %d", r.Header.SchemaVersion, v)
		}
		return ""
	})
}

func everyTypeIsPayloadKind(ctx context.Context) error {
	return eachRecord(ctx, func(r readRecord) string {
		if r.Header.Type != int32(r.Msg.Kind) || r.Msg.Kind == wiredecode.KindNone {
			return fmt.Sprintf("header type %d, but the payload is %s (%d)", r.Header.Type, r.Msg.Kind, int(r.Msg.Kind))
		}
		return ""
	})
}

func everyMetricsScope(ctx context.Context, scope string) error {
	return eachRecord(ctx, func(r readRecord) string {
		if r.Msg.Kind != wiredecode.KindMetrics || r.Msg.Scope != scope {
			return fmt.Sprintf("payload %s with scope %q, expected metrics with scope %q", r.Msg.Kind, r.Msg.Scope, scope)
		}
		return ""
	})
}

func everyCompressionMirrors(ctx context.Context) error {
	return eachRecord(ctx, func(r readRecord) string {
		want := wiredecode.CompressionNone
		if r.Framing == wiredecode.FramingZstd {
			want = wiredecode.CompressionZstd
		}
		if r.Header.Compression != want {
			return fmt.Sprintf("framing 0x%02x but header compression %d, expected %d", r.Framing, r.Header.Compression, want)
		}
		return ""
	})
}

// threadKey is one (tenant, thread) pair.
type threadKey struct{ tenant, thread string }

// byTenantThread groups the records' sequences by (tenant, thread) in read order, which
// is Kafka order within a key.
func byTenantThread(recs []readRecord) map[threadKey][]uint64 {
	out := map[threadKey][]uint64{}
	for _, r := range recs {
		k := threadKey{r.Header.TenantID, r.Header.ThreadID}
		out[k] = append(out[k], r.Header.Sequence)
	}
	return out
}

func sequencesPerTenantThread(ctx context.Context, n int) error {
	recs, err := decoded(ctx)
	if err != nil {
		return err
	}
	want := make([]uint64, n)
	for i := range want {
		want[i] = uint64(i + 1)
	}
	groups := byTenantThread(recs)
	summary := map[string]int{}
	for k, seqs := range groups {
		summary[k.tenant+"/"+k.thread] = len(seqs)
		if k.tenant == "" || k.thread == "" {
			return fmt.Errorf("%d records without a tenant or thread (tenant %q, thread %q)", len(seqs), k.tenant, k.thread)
		}
		if !slices.Equal(seqs, want) {
			return fmt.Errorf("tenant %s thread %s: sequences %v, expected 1..%d in order", k.tenant, k.thread, abbreviate(seqs), n)
		}
	}
	world(ctx).rec.Evidence(evidence.After, evidence.KindHeaders, "records per tenant and thread", summary)
	return nil
}

func tenantsShareThreads(ctx context.Context, tenants, threads int) error {
	recs, err := decoded(ctx)
	if err != nil {
		return err
	}
	perTenant := map[string][]string{}
	for k := range byTenantThread(recs) {
		perTenant[k.tenant] = append(perTenant[k.tenant], k.thread)
	}
	if len(perTenant) != tenants {
		return fmt.Errorf("records of %d tenants %v, expected %d", len(perTenant), perTenant, tenants)
	}
	var first []string
	for t, ths := range perTenant {
		sort.Strings(ths)
		if len(ths) != threads {
			return fmt.Errorf("tenant %s has %d threads %v, expected %d", t, len(ths), ths, threads)
		}
		if first == nil {
			first = ths
		} else if !slices.Equal(first, ths) {
			return fmt.Errorf("the tenants' thread ids differ: %v and %v, expected the same", first, ths)
		}
	}
	return nil
}

// messageSize is the size of a record's protobuf as the encoder measures it against its
// threshold: with the compression field at NONE (not written), so a zstd record's content
// counts 2 bytes (field 8, value 1) less.
func messageSize(r readRecord) int {
	if r.Header.Compression != wiredecode.CompressionNone {
		return r.Msg.ContentSize - 2
	}
	return r.Msg.ContentSize
}

func everyMessageSize(ctx context.Context, relation string, limit int) error {
	holds := map[string]func(size int) bool{
		"larger than": func(size int) bool { return size > limit },
		"at most":     func(size int) bool { return size <= limit },
		"exactly":     func(size int) bool { return size == limit },
	}[relation]
	lo, hi := -1, 0
	defer func() {
		world(ctx).rec.Evidence(evidence.After, evidence.KindNote, "message sizes read back", map[string]int{"min": lo, "max": hi})
	}()
	return eachRecord(ctx, func(r readRecord) string {
		size := messageSize(r)
		if lo < 0 || size < lo {
			lo = size
		}
		hi = max(hi, size)
		if !holds(size) {
			return fmt.Sprintf("the message is %d bytes, expected %s %d: the example does not test what it says", size, relation, limit)
		}
		return ""
	})
}

func everyRecordFramed(ctx context.Context, framing string) error {
	want := wiredecode.FramingPlain
	if framing == "zstd" {
		want = wiredecode.FramingZstd
	}
	return eachRecord(ctx, func(r readRecord) string {
		if r.Framing != want {
			return fmt.Sprintf("framing 0x%02x for a %d-byte message, expected %s (0x%02x)", r.Framing, messageSize(r), framing, want)
		}
		return ""
	})
}
