package producer

import "github.com/dashstream/acceptance/reference/wire"

// DefaultTenant is the tenant a Producer stamps when neither Tenant nor TENANT_ID says
// otherwise.
const DefaultTenant = "default"

// MaxTenantLen is the longest tenant id ValidateTenant accepts, in characters
// (wire.MaxTenantLen).
const MaxTenantLen = wire.MaxTenantLen

// ErrInvalidTenant is matched by errors.Is on every error of ValidateTenant, and on the
// error of New and NewFromEnv when the tenant is refused (wire.ErrInvalidTenant).
var ErrInvalidTenant = wire.ErrInvalidTenant

// ValidateTenant checks a tenant id with the pipeline's one rule, wire.ValidateTenant:
// non-empty, at most MaxTenantLen characters, only ASCII letters, digits, '_' and '-'.
// The error names the rule that was broken, fits on one line, and matches
// ErrInvalidTenant.
func ValidateTenant(id string) error { return wire.ValidateTenant(id) }
