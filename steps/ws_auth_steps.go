package steps

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/dashstream/acceptance/steps/evidence"
)

func registerAuthSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the WebSocket server runs with these token grants:$`, wsServerWithGrants)
	sc.Step(`^the WebSocket server runs with these token grants and a cap of (\d+) connections:$`, wsServerWithGrantsAndCap)
	sc.Step(`^a client of tenant "([^"]*)" with the token "([^"]*)" is connected$`, grantedClientConnected)
	sc.Step(`^a client asking for tenant "([^"]*)" (with the token "[^"]*"|without a token|with an unknown token)( from the server's own address as Origin)? is refused with HTTP (\d+) and keeps listening$`, refusedClientListens)
	sc.Step(`^over the whole scenario and a settle period of (\d+) seconds, no refused client received a byte after its refusal$`, refusedClientsGotNothing)
}

// wsAuthFamily is the authorization steps' scenario state.
type wsAuthFamily struct {
	tokens  map[string]string // grant name in the feature -> the secret the harness made
	refused []*rawWS
	names   []string // what each refused client asked, for the messages
}

// grantsFrom makes a random token for each row of the table (| token | tenants |) and
// returns the WS_AUTH_TOKENS value that grants them.
func (f *wsAuthFamily) grantsFrom(table *godog.Table) (string, error) {
	if len(table.Rows) < 2 || len(table.Rows[0].Cells) != 2 {
		return "", fmt.Errorf("the grants table needs a header | token | tenants | and one row per token")
	}
	f.tokens = map[string]string{}
	var entries []string
	for _, row := range table.Rows[1:] {
		name, tenants := row.Cells[0].Value, row.Cells[1].Value
		b := make([]byte, 16)
		if _, err := rand.Read(b); err != nil {
			return "", fmt.Errorf("make a token: %w", err)
		}
		f.tokens[name] = hex.EncodeToString(b)
		entries = append(entries, f.tokens[name]+" "+strings.ReplaceAll(tenants, " ", ""))
	}
	return strings.Join(entries, "; "), nil
}

func wsServerWithGrants(ctx context.Context, table *godog.Table) error {
	return startWithGrants(ctx, table, nil)
}

func wsServerWithGrantsAndCap(ctx context.Context, limit int, table *godog.Table) error {
	return startWithGrants(ctx, table, map[string]string{"WS_MAX_CONNECTIONS": fmt.Sprint(limit)})
}

func startWithGrants(ctx context.Context, table *godog.Table, env map[string]string) error {
	w := world(ctx)
	st := state[wsAuthFamily](w)
	grants, err := st.grantsFrom(table)
	if err != nil {
		return err
	}
	if env == nil {
		env = map[string]string{}
	}
	env["WS_AUTH_TOKENS"], env["HEALTH_STALE_AFTER"] = grants, "0s"
	w.onCleanup("refused clients", func(context.Context) error {
		for _, r := range st.refused {
			r.close()
		}
		return nil
	})
	return w.startWSServer(ctx, env)
}

func (f *wsAuthFamily) token(name string) (string, error) {
	tok, ok := f.tokens[name]
	if !ok {
		return "", fmt.Errorf("no grant named %q in this scenario's grants table", name)
	}
	return tok, nil
}

func grantedClientConnected(ctx context.Context, tenant, name string) error {
	w := world(ctx)
	tok, err := state[wsAuthFamily](w).token(name)
	if err != nil {
		return err
	}
	ws, err := w.service("wsserver")
	if err != nil {
		return err
	}
	c, _, err := dialWSWith(ctx, ws.Addr(), tenant, wsDial{token: tok})
	if err != nil {
		return err
	}
	w.clients[tenant] = c
	return nil
}

func refusedClientListens(ctx context.Context, tenant, how, fromOwnHost string, status int) error {
	w := world(ctx)
	st := state[wsAuthFamily](w)
	ws, err := w.service("wsserver")
	if err != nil {
		return err
	}
	addr := ws.Addr()
	h := http.Header{}
	switch {
	case how == "with an unknown token":
		h.Set("Authorization", "Bearer "+strings.Repeat("0", 32))
	case strings.HasPrefix(how, "with the token"):
		tok, err := st.token(strings.Trim(strings.TrimPrefix(how, "with the token "), `"`))
		if err != nil {
			return err
		}
		h.Set("Authorization", "Bearer "+tok)
	}
	if fromOwnHost != "" {
		// What a DNS-rebinding page sends: its origin has the server's own host and port.
		h.Set("Origin", "http://"+addr)
	}
	r, err := rawHandshake(ctx, addr, tenant, h)
	if err != nil {
		return err
	}
	st.refused = append(st.refused, r)
	st.names = append(st.names, fmt.Sprintf("tenant %s %s%s", tenant, how, fromOwnHost))
	if r.status != status {
		return fmt.Errorf("the client asking for tenant %s %s%s got HTTP %d, expected a refusal with %d", tenant, how, fromOwnHost, r.status, status)
	}
	return nil
}

func refusedClientsGotNothing(ctx context.Context, seconds int) error {
	w := world(ctx)
	st := state[wsAuthFamily](w)
	if len(st.refused) == 0 {
		return fmt.Errorf("no refused client in this scenario")
	}
	select { // the settle period: a late frame still shows
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Duration(seconds) * time.Second):
	}
	var problems []string
	for i, r := range st.refused {
		after, ops, _ := r.snapshot()
		w.rec.Evidence(evidence.After, evidence.KindHeaders, "refused client: "+st.names[i], map[string]any{
			"status": r.status, "bytes_after_refusal": after, "frames": len(ops)})
		if after > 0 {
			problems = append(problems, fmt.Sprintf("%s received %d bytes (%d frames) after its refusal", st.names[i], after, len(ops)))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return nil
}
