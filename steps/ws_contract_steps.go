package steps

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/cucumber/godog"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/steps/evidence"
)

func registerContractSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the WebSocket server runs with a token granted tenant "([^"]*)" and a read limit of (\d+) bytes$`, wsServerWithToken)
	sc.Step(`^a client of tenant "([^"]*)"( with the token)?(?: and format "([^"]*)")?(?: from Origin "([^"]*)")? is refused with HTTP (\d+)$`, clientRefused)
	sc.Step(`^a JSON client and a binary client of tenant "([^"]*)" are connected with the token$`, contractClients)
	sc.Step(`^every JSON frame carries the documented fields and the topic, partition and offset of one of the tenant's Kafka records, each once$`, jsonFramesMatchKafka)
	sc.Step(`^every binary frame is exactly the value of the tenant's next Kafka record$`, binaryFramesAreValues)
	sc.Step(`^a client that sends a message of (\d+) bytes is closed with (\d+)$`, oversizedMessageClosed)
}

// wsContractFamily is the contract steps' scenario state.
type wsContractFamily struct {
	token        string
	tenant       string
	json, binary *wsClient
}

func wsServerWithToken(ctx context.Context, tenant string, limit int) error {
	w := world(ctx)
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return fmt.Errorf("make a token: %w", err)
	}
	token := hex.EncodeToString(b)
	state[wsContractFamily](w).token = token
	return w.startWSServer(ctx, map[string]string{"WS_AUTH_TOKENS": token + " " + tenant, "WS_MAX_MESSAGE_BYTES": strconv.Itoa(limit), "HEALTH_STALE_AFTER": "0s"})
}

func clientRefused(ctx context.Context, tenant, withToken, format, origin string, status int) error {
	w := world(ctx)
	o := wsDial{format: format, origin: origin}
	if withToken != "" {
		o.token = state[wsContractFamily](w).token
	}
	ws, err := w.service("wsserver")
	if err != nil {
		return err
	}
	c, got, err := dialWSWith(ctx, ws.Addr(), tenant, o)
	if err == nil {
		c.close()
		return fmt.Errorf("the client was accepted (HTTP %d), expected a refusal with HTTP %d", got, status)
	}
	if got != status {
		return fmt.Errorf("the client was refused with HTTP %d, expected %d: %w", got, status, err)
	}
	return nil
}

func contractClients(ctx context.Context, tenant string) error {
	w := world(ctx)
	st := state[wsContractFamily](w)
	ws, err := w.service("wsserver")
	if err != nil {
		return err
	}
	addr := ws.Addr()
	if st.json, _, err = dialWSWith(ctx, addr, tenant, wsDial{format: "json", token: st.token}); err != nil {
		return err
	}
	w.onCleanup("json client", func(context.Context) error { st.json.close(); return nil })
	if st.binary, _, err = dialWSWith(ctx, addr, tenant, wsDial{format: "binary", token: st.token}); err != nil {
		return err
	}
	w.onCleanup("binary client", func(context.Context) error { st.binary.close(); return nil })
	st.tenant = tenant
	return nil
}

// tenantRecords reads the scenario's events topic with the harness's own client and
// returns the raw records; every record of this scenario is its tenant's.
func (w *World) tenantRecords(ctx context.Context, n int) ([]*kgo.Record, error) {
	cl, err := w.stack.Kafka().Client(kgo.ConsumeTopics(w.topic("events")), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var out []*kgo.Record
	for len(out) < n {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return out, fmt.Errorf("read %d of %d records back from Kafka: %w", len(out), n, ctx.Err())
		}
		out = append(out, fs.Records()...)
	}
	return out, nil
}

// contractFrames waits for the client's n frames and the settle period.
func (w *World) contractFrames(ctx context.Context, c *wsClient, what string, n int) ([]wsFrame, error) {
	err := w.eventually(ctx, fmt.Sprintf("the %s client to receive %d frames", what, n), 15*time.Second, func(context.Context) (bool, string, error) {
		frames, disc := c.snapshot()
		if disc != nil {
			return false, "", fmt.Errorf("disconnected: %w", disc)
		}
		return len(frames) >= n, fmt.Sprintf("%d frames", len(frames)), nil
	})
	if err != nil {
		return nil, err
	}
	select { // the settle period is part of the expectation: nothing more may come
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(settle):
	}
	frames, _ := c.snapshot()
	if len(frames) != n {
		return nil, fmt.Errorf("the %s client received %d frames, expected exactly %d", what, len(frames), n)
	}
	return frames, nil
}

func jsonFramesMatchKafka(ctx context.Context) error {
	w := world(ctx)
	st := state[wsContractFamily](w)
	want, n := state[wsTenantFamily](w).of(st.tenant)
	frames, err := w.contractFrames(ctx, st.json, "JSON", n)
	if err != nil {
		return err
	}
	if err := checkFrames(frames, st.tenant, want).Err(); err != nil {
		return fmt.Errorf("the JSON client: %w", err)
	}
	recs, err := w.tenantRecords(ctx, n)
	if err != nil {
		return err
	}
	at := map[string]int{}
	for _, r := range recs {
		at[fmt.Sprintf("%s/%d/%d", r.Topic, r.Partition, r.Offset)]++
	}
	for _, f := range frames {
		k := fmt.Sprintf("%s/%d/%d", f.Topic, f.Partition, f.Offset)
		if at[k] != 1 {
			return fmt.Errorf("frame %s (thread %s, sequence %d) names no record of Kafka, or one already named", k, f.ThreadID, f.Sequence)
		}
		at[k]--
	}
	return nil
}

func binaryFramesAreValues(ctx context.Context) error {
	w := world(ctx)
	st := state[wsContractFamily](w)
	_, n := state[wsTenantFamily](w).of(st.tenant)
	if _, err := w.contractFrames(ctx, st.binary, "binary", n); err != nil {
		return err
	}
	got := st.binary.binaries()
	recs, err := w.tenantRecords(ctx, n)
	if err != nil {
		return err
	}
	// One thread: its records are in one partition, in order.
	for i, r := range recs {
		if i >= len(got) || !bytes.Equal(got[i], r.Value) {
			return fmt.Errorf("binary frame %d is not the value of record %s/%d/%d (%d bytes on Kafka, %d in the frame)",
				i+1, r.Topic, r.Partition, r.Offset, len(r.Value), len(frameAt(got, i)))
		}
	}
	w.rec.Evidence(evidence.After, evidence.KindHeaders, "binary frames equal to Kafka values", len(recs))
	return nil
}

func frameAt(frames [][]byte, i int) []byte {
	if i < len(frames) {
		return frames[i]
	}
	return nil
}

func oversizedMessageClosed(ctx context.Context, size, code int) error {
	w := world(ctx)
	st := state[wsContractFamily](w)
	ws, err := w.service("wsserver")
	if err != nil {
		return err
	}
	c, _, err := dialWSWith(ctx, ws.Addr(), "acme", wsDial{token: st.token})
	if err != nil {
		return err
	}
	defer c.close()
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := c.conn.Write(wctx, websocket.MessageText, []byte(strings.Repeat("x", size))); err != nil {
		return fmt.Errorf("send %d bytes: %w", size, err)
	}
	select {
	case <-c.done:
	case <-wctx.Done():
		return fmt.Errorf("the connection stayed open 5 s after a %d-byte message", size)
	}
	_, disc := c.snapshot()
	var ce websocket.CloseError
	if !errors.As(disc, &ce) {
		return fmt.Errorf("the connection ended without a close frame (%v), expected close code %d", disc, code)
	}
	if int(ce.Code) != code {
		return fmt.Errorf("the connection was closed with %d (%s), expected %d", ce.Code, ce.Reason, code)
	}
	return nil
}
