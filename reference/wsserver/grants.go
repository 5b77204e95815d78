package wsserver

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode"

	"github.com/dashstream/acceptance/reference/producer"
)

// MinTokenLength is the shortest bearer token accepted, in bytes: a token is a secret,
// and a short one can be guessed. Tokens are printable ASCII without spaces, ';' or ','
// (the separators of the grants format).
const MinTokenLength = 16

// AllTenants, as the tenant list of a grant, lets the token read every tenant. It must be
// written on its own; it is meant for an operator's console, never for a tenant's page.
const AllTenants = "*"

// ErrBadGrants is wrapped by every error of ParseGrants and of New about grants.
var ErrBadGrants = errors.New("bad token grants")

// Grants binds each bearer token to the tenants it may read: token -> tenant ids (or the
// single AllTenants). A token that is not a key opens nothing.
type Grants map[string][]string

// ParseGrants reads grants, one per entry: "<token> <tenant>[,<tenant>...]". Entries
// are separated by newlines or ";"; blank entries and lines starting with "#" are
// skipped. unit names an entry in errors ("line" for a file, "entry" for a variable).
// Every problem is reported with its entry number and the token never appears in it.
func ParseGrants(r io.Reader, unit string) (Grants, error) {
	g := Grants{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	line, entries := 0, 0
	for sc.Scan() {
		line++
		for entry := range strings.SplitSeq(sc.Text(), ";") {
			entry = strings.TrimSpace(entry)
			if entry == "" || strings.HasPrefix(entry, "#") {
				continue
			}
			entries++
			at := entries // a variable is one line: count its entries
			if unit == "line" {
				at = line
			}
			if err := g.add(entry); err != nil {
				return nil, fmt.Errorf("%w: %s %d: %v", ErrBadGrants, unit, at, err)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: read: %v", ErrBadGrants, err)
	}
	if len(g) == 0 {
		return nil, fmt.Errorf("%w: no grant: write one %s per token, like \"<token> acme,globex\"", ErrBadGrants, unit)
	}
	return g, nil
}

func (g Grants) add(entry string) error {
	fields := strings.Fields(entry)
	if len(fields) != 2 {
		return errors.New(`want "<token> <tenant>[,<tenant>...]" (a token, one space, a comma list of tenants without spaces)`)
	}
	tok, list := fields[0], fields[1]
	if err := checkToken(tok); err != nil {
		return err
	}
	if _, dup := g[tok]; dup {
		return errors.New("this token is granted twice: list all its tenants in one entry")
	}
	tenants, err := checkTenants(strings.Split(list, ","))
	if err != nil {
		return err
	}
	g[tok] = tenants
	return nil
}

func checkToken(tok string) error {
	if len(tok) < MinTokenLength {
		return fmt.Errorf("token of %d bytes is shorter than %d: use a random secret (openssl rand -hex 16)", len(tok), MinTokenLength)
	}
	for _, r := range tok {
		if r > unicode.MaxASCII || !unicode.IsPrint(r) || unicode.IsSpace(r) || r == ';' || r == ',' {
			return errors.New("token has a space, ';', ',' or a character that is not printable ASCII: use a random hex or base64url secret")
		}
	}
	return nil
}

func checkTenants(list []string) ([]string, error) {
	if len(list) == 1 && list[0] == AllTenants {
		return list, nil
	}
	seen := map[string]bool{}
	for _, t := range list {
		if t == AllTenants {
			return nil, fmt.Errorf("%q must be the only tenant of its grant", AllTenants)
		}
		if err := producer.ValidateTenant(t); err != nil {
			return nil, fmt.Errorf("tenant %q: %v", t, err)
		}
		if seen[t] {
			return nil, fmt.Errorf("tenant %q is listed twice", t)
		}
		seen[t] = true
	}
	return list, nil
}

// validate checks grants given to New as a value.
func (g Grants) validate() error {
	for tok, tenants := range g {
		if err := checkToken(tok); err != nil {
			return fmt.Errorf("%w: %v", ErrBadGrants, err)
		}
		if _, err := checkTenants(tenants); err != nil {
			return fmt.Errorf("%w: %v", ErrBadGrants, err)
		}
	}
	return nil
}

// grantTable is the server's lookup: the SHA-256 of each token (so a lookup compares
// fixed-size digests in constant time) with its tenant set.
type grantTable []grantEntry

type grantEntry struct {
	sum     [sha256.Size]byte
	all     bool
	tenants map[string]bool
}

func newGrantTable(g Grants) grantTable {
	var t grantTable
	for tok, tenants := range g {
		e := grantEntry{sum: sha256.Sum256([]byte(tok)), tenants: map[string]bool{}}
		for _, tn := range tenants {
			if tn == AllTenants {
				e.all = true
			}
			e.tenants[tn] = true
		}
		t = append(t, e)
	}
	return t
}

// lookup returns the grant of tok, comparing with every entry so the time does not say
// which token matched.
func (t grantTable) lookup(tok string) (grantEntry, bool) {
	sum := sha256.Sum256([]byte(tok))
	var found grantEntry
	ok := false
	for _, e := range t {
		if subtle.ConstantTimeCompare(sum[:], e.sum[:]) == 1 {
			found, ok = e, true
		}
	}
	return found, ok
}

// allows reports whether the grant covers tenant.
func (e grantEntry) allows(tenant string) bool { return e.all || e.tenants[tenant] }

// bearer returns the request's token: "Authorization: Bearer <token>", else ?token=
// (browsers cannot set headers on a WebSocket handshake). A malformed Authorization
// header yields "" (refused).
func bearer(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return ""
		}
		return strings.TrimSpace(tok)
	}
	return r.URL.Query().Get("token")
}
