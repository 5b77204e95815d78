// Package envcfg reads the environment variables shared by the reference services.
//
// Contract:
//   - KAFKA_BROKERS is a comma-separated list of host:port; blanks around entries and
//     empty entries are ignored, so "a:9092, b:9092," is two brokers.
//   - TENANT_ID is the tenant a producer stamps on every message. Set but empty is not the
//     same as unset: Lookup reports it as set, and the producer refuses an empty tenant.
//   - Defaults reads variables as flag defaults and collects every malformed value, so a
//     service reports all its bad settings in one line; ExitCode turns an error into the
//     binaries' exit status (2 for a UsageError, 1 otherwise) and that line.
//   - Range is the interval of a numeric setting: Help writes it for -h, Check returns the
//     one sentence a service adds to its problems when a value is outside (NaN always is).
package envcfg

import (
	"os"
	"strings"
)

// Names of the environment variables.
const (
	// EnvBrokers holds the comma-separated Kafka bootstrap addresses.
	EnvBrokers = "KAFKA_BROKERS"
	// EnvTenant holds the tenant id a producer stamps on its messages.
	EnvTenant = "TENANT_ID"
)

// SplitBrokers splits a comma-separated broker list, trimming blanks and dropping empty
// entries. It returns nil for a list with no entries.
func SplitBrokers(list string) []string { return SplitList(list) }

// SplitList splits a comma-separated list (brokers, topics), trimming blanks and dropping
// empty entries. It returns nil for a list with no entries.
func SplitList(list string) []string {
	var out []string
	for _, b := range strings.Split(list, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

// Brokers returns the brokers in KAFKA_BROKERS, or nil when it is unset or empty.
func Brokers() []string { return SplitBrokers(os.Getenv(EnvBrokers)) }

// Tenant returns TENANT_ID and whether it is set (possibly to the empty string).
func Tenant() (string, bool) { return os.LookupEnv(EnvTenant) }
