package bench

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
)

// CreateTopic creates topic with the given partitions and replication factor 1, and waits
// until its leaders are known.
func CreateTopic(ctx context.Context, adm *kadm.Client, topic string, partitions int32) error {
	res, err := adm.CreateTopic(ctx, partitions, 1, nil, topic)
	if err == nil {
		err = res.Err
	}
	if err != nil {
		return fmt.Errorf("create topic %s: %w", topic, err)
	}
	return nil
}

// DeleteTopic deletes topic; the disk space of a 500 MB topic is given back at once.
func DeleteTopic(ctx context.Context, adm *kadm.Client, topic string) error {
	res, err := adm.DeleteTopic(ctx, topic)
	if err == nil {
		err = res.Err
	}
	if err != nil {
		return fmt.Errorf("delete topic %s: %w", topic, err)
	}
	return nil
}

// CountRecords returns end offset minus start offset summed over topic's partitions.
func CountRecords(ctx context.Context, adm *kadm.Client, topic string) (int64, error) {
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return 0, fmt.Errorf("count records of %s: end offsets: %w", topic, err)
	}
	starts, err := adm.ListStartOffsets(ctx, topic)
	if err == nil {
		err = starts.Error()
	}
	if err != nil {
		return 0, fmt.Errorf("count records of %s: start offsets: %w", topic, err)
	}
	var n int64
	ends.Each(func(o kadm.ListedOffset) {
		s, _ := starts.Lookup(o.Topic, o.Partition)
		n += o.Offset - s.Offset
	})
	return n, nil
}
