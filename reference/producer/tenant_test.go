package producer

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestValidateTenant(t *testing.T) {
	tests := []struct {
		name    string
		id      string
		wantErr string // substring naming the broken rule; "" = accepted
	}{
		{"empty", "", "it is empty"},
		{"64 characters", strings.Repeat("a", 64), ""},
		{"65 characters", strings.Repeat("a", 65), "is 65 characters, longer than 64"},
		{"slash", "a/b", "character '/' at position 2"},
		{"unicode", "tenänt", "character 'ä' at position 4"},
		{"space", "acme corp", "character ' ' at position 5"},
		{"leading space", " acme", "character ' ' at position 1"},
		{"newline stays on one line", "acme\n", `character '\n' at position 5`},
		{"customer-123", "customer-123", ""},
		{"underscore and digits", "Tenant_42", ""},
		{"default", DefaultTenant, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateTenant(tc.id)
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalidTenant)
			require.ErrorContains(t, err, tc.wantErr)
			require.NotContains(t, err.Error(), "\n", "the error is one line")
		})
	}
}

func TestValidateTenantQuotesLongIDsShort(t *testing.T) {
	err := ValidateTenant(strings.Repeat("x", 10_000))
	require.ErrorContains(t, err, "is 10000 characters")
	require.Less(t, len(err.Error()), 300, "a huge id must not flood the error")
}

var tenantRule = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// FuzzValidateTenant checks the property: ValidateTenant accepts an id exactly when it
// matches ^[A-Za-z0-9_-]{1,64}$, never panics, and every refusal is one line matching
// ErrInvalidTenant.
func FuzzValidateTenant(f *testing.F) {
	for _, s := range []string{"", "a", "customer-123", "a/b", "tenänt", "x y", strings.Repeat("z", 64),
		strings.Repeat("z", 65), "\xff", "_-_", "ümlaut" + strings.Repeat("a", 70)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		err := ValidateTenant(id)
		if want := tenantRule.MatchString(id); want != (err == nil) {
			t.Fatalf("ValidateTenant(%q) = %v, rule says accepted=%v", id, err, want)
		}
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidTenant)
			require.NotContains(t, err.Error(), "\n")
		}
	})
}

// newClientHook counts franz-go clients created with it.
type newClientHook struct{ n int }

func (h *newClientHook) OnNewClient(*kgo.Client) { h.n++ }

var _ kgo.HookNewClient = new(newClientHook)

func TestNewRefusesInvalidTenantBeforeAnyClient(t *testing.T) {
	for _, id := range []string{"", "a/b", strings.Repeat("a", 65)} {
		hook := &newClientHook{}
		p, err := New(Tenant(id), Brokers("127.0.0.1:1"), ClientOpts(kgo.WithHooks(hook)))
		require.ErrorIs(t, err, ErrInvalidTenant, "tenant %q", id)
		require.Nil(t, p)
		require.Zero(t, hook.n, "no kafka client may exist for an invalid tenant")
	}
}

func TestNewFromEnv(t *testing.T) {
	tests := []struct {
		name       string
		env        map[string]string
		opts       []Opt
		wantTenant string
		wantErr    string
	}{
		{"defaults", nil, nil, DefaultTenant, ""},
		{"env tenant", map[string]string{"TENANT_ID": "acme"}, nil, "acme", ""},
		{"explicit option wins over env", map[string]string{"TENANT_ID": "acme"}, []Opt{Tenant("other")}, "other", ""},
		{"invalid env tenant", map[string]string{"TENANT_ID": "a/b"}, nil, "", "character '/' at position 2"},
		{"set but empty env tenant", map[string]string{"TENANT_ID": ""}, nil, "", "it is empty"},
		{"explicit valid tenant rescues invalid env", map[string]string{"TENANT_ID": "a b"}, []Opt{Tenant("ok")}, "ok", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("KAFKA_BROKERS", "127.0.0.1:1")
			if _, ok := tc.env["TENANT_ID"]; !ok {
				t.Setenv("TENANT_ID", "x") // make sure it is restored, then unset
				require.NoError(t, unsetenv("TENANT_ID"))
			}
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			p, err := NewFromEnv(tc.opts...)
			if tc.wantErr != "" {
				require.ErrorIs(t, err, ErrInvalidTenant)
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			t.Cleanup(p.Close)
			require.Equal(t, tc.wantTenant, p.Tenant())
		})
	}
}
