package steps

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/dashstream/acceptance/system/observe/wiredecode"
)

// wsFrame is a JSON frame as the harness decodes it from the documented fields
// (reference/wsserver doc, "Frames"), without the server's own types.
type wsFrame struct {
	At        time.Time
	Type      string
	MessageID string
	TenantID  string
	ThreadID  string
	Sequence  uint64
	Topic     string
	Partition int32
	Offset    int64
	// Problem says what is wrong with a frame that could not be decoded; the other
	// fields are then unreliable.
	Problem string
}

// decodeFrame decodes one text frame; a missing documented field is a Problem naming it,
// never a zero.
func decodeFrame(at time.Time, data []byte) wsFrame {
	f := wsFrame{At: at}
	var raw struct {
		Type   *string `json:"type"`
		Header *struct {
			MessageID *string `json:"message_id"`
			TenantID  *string `json:"tenant_id"`
			ThreadID  *string `json:"thread_id"`
			Sequence  *uint64 `json:"sequence"`
			Timestamp *int64  `json:"timestamp_us"`
		} `json:"header"`
		Topic     *string `json:"topic"`
		Partition *int32  `json:"partition"`
		Offset    *int64  `json:"offset"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		f.Problem = "not a JSON frame: " + err.Error()
		return f
	}
	var missing []string
	need := func(ok bool, name string) {
		if !ok {
			missing = append(missing, name)
		}
	}
	need(raw.Type != nil, "type")
	need(raw.Topic != nil, "topic")
	need(raw.Partition != nil, "partition")
	need(raw.Offset != nil, "offset")
	need(raw.Header != nil, "header")
	if h := raw.Header; h != nil {
		need(h.MessageID != nil, "header.message_id")
		need(h.TenantID != nil, "header.tenant_id")
		need(h.ThreadID != nil, "header.thread_id")
		need(h.Sequence != nil, "header.sequence")
		need(h.Timestamp != nil, "header.timestamp_us")
	}
	if len(missing) > 0 {
		f.Problem = "frame lacks " + strings.Join(missing, ", ")
		return f
	}
	h := raw.Header
	f.Type, f.Topic, f.Partition, f.Offset = *raw.Type, *raw.Topic, *raw.Partition, *raw.Offset
	f.MessageID, f.TenantID, f.ThreadID, f.Sequence = *h.MessageID, *h.TenantID, *h.ThreadID, *h.Sequence
	return f
}

// frameCheck is what a client's frames showed against what its tenant wrote: a pure
// function of the recorded frames (checkFrames), table-tested.
type frameCheck struct {
	Frames     int
	Malformed  []string            // problems of undecodable frames
	Foreign    map[string]int      // frames of another tenant, by tenant
	Threads    map[string][]uint64 // sequences received, by thread, in arrival order
	Gaps       []string            // "thread: 4 after 2"
	Duplicates []string            // "thread: 3 twice" (same sequence or message id again)
	Reorders   []string            // "thread: 2 after 5"
	Missing    []string            // "thread: 18, 19, 20 never arrived"
}

// checkFrames judges frames received by a client of tenant against what was written:
// want maps each thread to the number of messages written on it (sequences 1..n).
func checkFrames(frames []wsFrame, tenant string, want map[string]int) frameCheck {
	c := frameCheck{Frames: len(frames), Foreign: map[string]int{}, Threads: map[string][]uint64{}}
	ids := map[string]bool{}
	for _, f := range frames {
		if f.Problem != "" {
			c.Malformed = append(c.Malformed, f.Problem)
			continue
		}
		if f.TenantID != tenant {
			c.Foreign[f.TenantID]++
			continue
		}
		seqs := c.Threads[f.ThreadID]
		switch last := uint64(0); {
		case len(seqs) > 0 && slices.Contains(seqs, f.Sequence), ids[f.MessageID]:
			c.Duplicates = append(c.Duplicates, fmt.Sprintf("%s: sequence %d (message %s) again", f.ThreadID, f.Sequence, f.MessageID))
		default:
			if len(seqs) > 0 {
				last = seqs[len(seqs)-1]
			}
			if f.Sequence < last {
				c.Reorders = append(c.Reorders, fmt.Sprintf("%s: %d after %d", f.ThreadID, f.Sequence, last))
			} else if f.Sequence != last+1 {
				c.Gaps = append(c.Gaps, fmt.Sprintf("%s: %d after %d", f.ThreadID, f.Sequence, last))
			}
		}
		ids[f.MessageID] = true
		c.Threads[f.ThreadID] = append(seqs, f.Sequence)
	}
	for thread, n := range want {
		var lost []string
		for s := uint64(1); s <= uint64(n); s++ {
			if !slices.Contains(c.Threads[thread], s) {
				lost = append(lost, fmt.Sprint(s))
			}
		}
		if len(lost) > 0 {
			c.Missing = append(c.Missing, fmt.Sprintf("%s: %s never arrived", thread, abbrevItems(lost)))
		}
	}
	for thread := range c.Threads {
		if _, ok := want[thread]; !ok && want != nil {
			c.Gaps = append(c.Gaps, fmt.Sprintf("%s: a thread its tenant did not write", thread))
		}
	}
	slices.Sort(c.Missing)
	slices.Sort(c.Gaps)
	return c
}

func abbrevItems(items []string) string {
	if len(items) > 6 {
		return strings.Join(items[:3], ", ") + fmt.Sprintf(" ... (%d in all)", len(items))
	}
	return strings.Join(items, ", ")
}

// Err returns every problem found, or nil.
func (c frameCheck) Err() error {
	var p []string
	add := func(what string, items []string) {
		if len(items) > 0 {
			p = append(p, what+": "+abbrevItems(items))
		}
	}
	add("malformed frames", c.Malformed)
	for t, n := range c.Foreign {
		p = append(p, fmt.Sprintf("%d frames of tenant %q", n, t))
	}
	add("duplicates", c.Duplicates)
	add("reordered", c.Reorders)
	add("gaps", c.Gaps)
	add("missing", c.Missing)
	if len(p) == 0 {
		return nil
	}
	slices.Sort(p)
	return fmt.Errorf("%d frames: %s", c.Frames, strings.Join(p, "; "))
}

// decodeValueFrame decodes a cursor+value server's binary frame, a Kafka value, with the
// harness's own decoder (wiredecode); the cursor before it says where it came from. A
// value without a cursor, or one that does not decode, is a frame with a Problem.
func decodeValueFrame(at time.Time, value []byte, cur *wsCursor, topic string) wsFrame {
	f := wsFrame{At: at, Topic: topic}
	if cur == nil {
		f.Problem = "value frame without a cursor frame before it"
		return f
	}
	f.Partition, f.Offset = cur.partition, cur.offset
	r, err := wiredecode.New().Decode(value)
	if err != nil {
		f.Problem = "value frame that does not decode: " + err.Error()
		return f
	}
	if !r.HasHeader {
		f.Problem = "value frame without a header"
		return f
	}
	h := r.Header
	f.Type, f.TenantID, f.ThreadID, f.Sequence = r.Kind.String(), h.TenantID, h.ThreadID, h.Sequence
	if id, err := uuid.FromBytes(h.MessageID); err == nil {
		f.MessageID = id.String()
	} else {
		f.MessageID = hex.EncodeToString(h.MessageID)
	}
	return f
}
