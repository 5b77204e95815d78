package steps

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/cucumber/godog"

	"github.com/dashstream/acceptance/steps/evidence"
	"github.com/dashstream/acceptance/system/chaos"
)

// longIDState is the long-id family's state: the thread id written, whole.
type longIDState struct {
	thread string
}

func registerHostileIDSteps(sc *godog.ScenarioContext) {
	sc.Step(`^an independent client writes sequences (\d+), (\d+) and (\d+) of tenant "([^"]*)" on a thread whose id is (\d+) characters of three bytes$`, writesLongThread)
	sc.Step(`^every frame of the client of tenant "([^"]*)" carries the thread id cut to at most (\d+) bytes: whole characters of the id, then "([^"]*)"$`, framesCarryCutThread)
	sc.Step(`^the consumer's record lines and its gap warning carry the thread id cut the same way, each line at most (\d+) bytes$`, consumerLinesCutThread)
}

// writesLongThread forges three valid events on a thread whose id is a short prefix and
// n copies of "線" (3 bytes in UTF-8). The prefix is padded so that the implementation's
// cut (its profile's max_id_bytes less its marker, when it documents one) falls inside a
// character: a cut that splits one shows.
func writesLongThread(ctx context.Context, s1, s2, s3 int, tenant string, n int) error {
	w := world(ctx)
	topic, err := w.ensureTopic(ctx, "events")
	if err != nil {
		return err
	}
	prefix := w.name("long") + "-"
	// Where the implementation documents its cut, the prefix is padded to make the cut
	// fall inside a character; where it does not, the thread is written as it is.
	if lim := w.sut.Limits; lim.MaxIDBytes > 0 {
		for (lim.MaxIDBytes-len(lim.CutMarker)-len(prefix))%3 != 1 {
			prefix += "x"
		}
	}
	thread := prefix + strings.Repeat("線", n)
	state[longIDState](w).thread = thread
	w.thread = thread
	var headers []chaos.ForgedHeader
	for _, s := range []int{s1, s2, s3} {
		headers = append(headers, chaos.ForgedHeader{Tenant: tenant, Thread: thread, Sequence: uint64(s)})
	}
	f := chaos.Forge(w.stack.Kafka(), topic, headers)
	h, err := f.Inject(ctx, w.rec)
	if err != nil {
		return err
	}
	w.onCleanup("long-id records", h.Undo)
	w.rec.Evidence(evidence.During, evidence.KindNote, "records on a long thread id", map[string]any{
		"tenant": tenant, "thread_bytes": len(thread), "thread_characters": utf8.RuneCountInString(thread), "sequences": []int{s1, s2, s3}})
	return nil
}

// cutProblem says what is wrong with got as the cut form of id (valid UTF-8, at most
// max bytes, a prefix of id followed by marker), or "" when it is right.
func cutProblem(id, got string, max int, marker string) string {
	switch { // a split character first: a JSON encoder replaces it with 3 bytes of U+FFFD
	case !utf8.ValidString(got) || strings.ContainsRune(got, utf8.RuneError):
		return "the id holds a split character (invalid UTF-8, or U+FFFD where one was replaced)"
	case len(got) > max:
		return fmt.Sprintf("the id is %d bytes, more than %d", len(got), max)
	case !strings.HasSuffix(got, marker):
		return fmt.Sprintf("the id does not end in %q: %q", marker, abbrev(got))
	case !strings.HasPrefix(id, strings.TrimSuffix(got, marker)):
		return fmt.Sprintf("the id before %q is not a prefix of the id written: %q", marker, abbrev(got))
	}
	return ""
}

// abbrev shortens s for a message.
func abbrev(s string) string {
	if len(s) <= 80 {
		return s
	}
	return s[:40] + "…" + s[len(s)-30:]
}

func framesCarryCutThread(ctx context.Context, tenant string, max int, marker string) error {
	w := world(ctx)
	c, ok := w.clients[tenant]
	if !ok {
		return fmt.Errorf("no client of tenant %s is connected", tenant)
	}
	id := state[longIDState](w).thread
	frames, disc := c.snapshot()
	if disc != nil {
		return fmt.Errorf("the client was disconnected: %w", disc)
	}
	if len(frames) == 0 {
		return fmt.Errorf("the client has no frame")
	}
	for _, f := range frames {
		if p := cutProblem(id, f.ThreadID, max, marker); p != "" {
			return fmt.Errorf("frame at offset %d: %s", f.Offset, p)
		}
	}
	w.rec.Evidence(evidence.After, evidence.KindHeaders, "thread id in the frames", map[string]any{
		"frames": len(frames), "id_bytes": len(id), "frame_thread_id": frames[0].ThreadID, "frame_thread_id_bytes": len(frames[0].ThreadID)})
	return nil
}

func consumerLinesCutThread(ctx context.Context, maxLine int) error {
	w := world(ctx)
	svc, err := w.service("consumer")
	if err != nil {
		return err
	}
	id := state[longIDState](w).thread
	lim, err := w.idLimits()
	if err != nil {
		return err
	}
	max, marker := lim.MaxIDBytes, lim.CutMarker
	var checked int
	var gap string
	for _, raw := range strings.Split(svc.Log(0), "\n") {
		if !strings.Contains(raw, `"thread"`) {
			continue
		}
		lines, _ := parseConsumerLines(raw)
		if len(lines) != 1 || (lines[0].Kind != "record" && lines[0].Msg != "sequence gap") {
			continue
		}
		if len(raw) > maxLine {
			return fmt.Errorf("a consumer line is %d bytes, more than %d: %s", len(raw), maxLine, abbrev(raw))
		}
		if p := cutProblem(id, lines[0].Thread, max, marker); p != "" {
			return fmt.Errorf("consumer line %s: %s", abbrev(raw), p)
		}
		if lines[0].Msg == "sequence gap" {
			gap = raw
		}
		checked++
	}
	w.rec.Evidence(evidence.After, evidence.KindLog, "the consumer's gap warning on the long thread", gap)
	if gap == "" || checked < 4 {
		return fmt.Errorf("the consumer printed %d lines about the thread with its id, expected 3 record lines and 1 gap warning", checked)
	}
	return nil
}
