package steps

import (
	"context"
	"fmt"
	"time"

	"github.com/klauspost/compress/zstd"
	"google.golang.org/protobuf/proto"

	"github.com/dashstream/acceptance/reference/wire/dspb"
)

// headerCompressionMatchesFraming reads the scenario's topic with the harness's own
// client and decodes each value itself (zstd and protobuf, not the reference decoder).
func headerCompressionMatchesFraming(ctx context.Context) error {
	return eachOwnDecoded(ctx, func(r recordView) error {
		want := dspb.CompressionType_COMPRESSION_TYPE_NONE
		if r.framing == 0x01 {
			want = dspb.CompressionType_COMPRESSION_TYPE_ZSTD
		}
		if got := r.header.GetCompression(); got != want {
			return fmt.Errorf("record %d/%d has framing 0x%02x but its header says compression %s", r.partition, r.offset, r.framing, got)
		}
		return nil
	})
}

func headerTimestampNearKafka(ctx context.Context, seconds int) error {
	limit := time.Duration(seconds) * time.Second
	return eachOwnDecoded(ctx, func(r recordView) error {
		ts := time.UnixMicro(r.header.GetTimestampUs())
		if d := r.kafkaTime.Sub(ts); d > limit || d < -limit {
			return fmt.Errorf("record %d/%d: header timestamp_us %d is %s, %s away from its Kafka timestamp %s",
				r.partition, r.offset, r.header.GetTimestampUs(), ts.UTC().Format(time.RFC3339Nano), d, r.kafkaTime.UTC().Format(time.RFC3339Nano))
		}
		return nil
	})
}

// recordHeaderTenantMatches: the record header that routes without decoding names the
// same tenant as the protobuf header.
func recordHeaderTenantMatches(ctx context.Context) error {
	return eachOwnDecoded(ctx, func(r recordView) error {
		if r.tenantHeader == nil {
			return fmt.Errorf("record %d/%d has no tenant_id record header", r.partition, r.offset)
		}
		if got, want := *r.tenantHeader, r.header.GetTenantId(); got != want {
			return fmt.Errorf("record %d/%d: tenant_id record header %q, protobuf tenant %q", r.partition, r.offset, got, want)
		}
		return nil
	})
}

// recordKeyIsThread: the record key is the thread id, what keeps a thread on one partition.
func recordKeyIsThread(ctx context.Context) error {
	return eachOwnDecoded(ctx, func(r recordView) error {
		if r.key != r.header.GetThreadId() {
			return fmt.Errorf("record %d/%d has key %q, its thread is %q", r.partition, r.offset, r.key, r.header.GetThreadId())
		}
		return nil
	})
}

// recordView is a record as the harness decoded it.
type recordView struct {
	partition    int32
	offset       int64
	framing      byte
	kafkaTime    time.Time
	key          string
	tenantHeader *string // the tenant_id record header, nil when absent
	header       *dspb.Header
}

func eachOwnDecoded(ctx context.Context, check func(recordView) error) error {
	w := world(ctx)
	end, err := w.endOffsets(ctx, w.topic("events"))
	if err != nil {
		return err
	}
	recs, err := readAll(ctx, w, w.topic("events"), int(end))
	if err != nil {
		return err
	}
	zd, err := zstd.NewReader(nil)
	if err != nil {
		return err
	}
	defer zd.Close()
	for _, r := range recs {
		v := recordView{partition: r.Partition, offset: r.Offset, kafkaTime: r.Timestamp, key: string(r.Key)}
		for _, h := range r.Headers {
			if h.Key == "tenant_id" && v.tenantHeader == nil {
				t := string(h.Value)
				v.tenantHeader = &t
			}
		}
		if len(r.Value) == 0 {
			return fmt.Errorf("record %d/%d has an empty value", r.Partition, r.Offset)
		}
		v.framing = r.Value[0]
		body := r.Value[1:]
		switch v.framing {
		case 0x00:
		case 0x01:
			if body, err = zd.DecodeAll(body, nil); err != nil {
				return fmt.Errorf("record %d/%d: zstd: %w", r.Partition, r.Offset, err)
			}
		default:
			return fmt.Errorf("record %d/%d: framing byte 0x%02x", r.Partition, r.Offset, v.framing)
		}
		msg := &dspb.DashStreamMessage{}
		if err := proto.Unmarshal(body, msg); err != nil {
			return fmt.Errorf("record %d/%d: protobuf: %w", r.Partition, r.Offset, err)
		}
		if v.header = ownHeader(msg); v.header == nil {
			return fmt.Errorf("record %d/%d: no payload or no header", r.Partition, r.Offset)
		}
		if err := check(v); err != nil {
			return err
		}
	}
	return nil
}

// ownHeader finds the header (field 1) of whichever payload the message carries.
func ownHeader(msg *dspb.DashStreamMessage) *dspb.Header {
	m := msg.ProtoReflect()
	fd := m.WhichOneof(m.Descriptor().Oneofs().ByName("message"))
	if fd == nil {
		return nil
	}
	p := m.Get(fd).Message()
	hf := p.Descriptor().Fields().ByNumber(1)
	if hf == nil || !p.Has(hf) {
		return nil
	}
	h, _ := p.Get(hf).Message().Interface().(*dspb.Header)
	return h
}
