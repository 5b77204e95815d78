package producer

import (
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/dashstream/acceptance/reference/internal/envcfg"
)

// DefaultTopic is the topic a Producer writes to unless Topic says otherwise.
const DefaultTopic = "dashstream-events"

// Opt configures a Producer. Options apply in order; a later option of the same kind
// wins.
type Opt interface{ apply(*config) }

type opt func(*config)

func (o opt) apply(c *config) { o(c) }

type config struct {
	brokers    []string
	tenant     string
	topic      string
	compress   int
	compressed bool // compress set explicitly
	clientOpts []kgo.Opt
}

func defaults() config {
	return config{tenant: DefaultTenant, topic: DefaultTopic}
}

// Brokers sets the Kafka bootstrap addresses (host:port). Without it, franz-go's
// default, 127.0.0.1:9092, is used.
func Brokers(addrs ...string) Opt { return opt(func(c *config) { c.brokers = addrs }) }

// Tenant sets the tenant id stamped on every message (header field and the tenant_id
// record header). New refuses an id that ValidateTenant refuses. Default DefaultTenant.
func Tenant(id string) Opt { return opt(func(c *config) { c.tenant = id }) }

// Topic sets the topic records are written to. Default DefaultTopic.
func Topic(t string) Opt { return opt(func(c *config) { c.topic = t }) }

// CompressThreshold sets the marshalled size in bytes above which values are zstd
// compressed (wire.CompressThreshold); negative disables compression. Default
// wire.DefaultCompressThreshold.
func CompressThreshold(n int) Opt {
	return opt(func(c *config) { c.compress, c.compressed = n, true })
}

// ClientOpts appends franz-go options (hooks, dialer, timeouts, backoff). They apply
// after the producer's own, so they can override them: overriding RequiredAcks or
// disabling idempotence gives up the delivery guarantees in the package doc.
func ClientOpts(opts ...kgo.Opt) Opt {
	return opt(func(c *config) { c.clientOpts = append(c.clientOpts, opts...) })
}

// envOpts returns options from KAFKA_BROKERS and TENANT_ID; they go before explicit ones.
func envOpts() []Opt {
	var opts []Opt
	if b := envcfg.Brokers(); len(b) > 0 {
		opts = append(opts, Brokers(b...))
	}
	if t, ok := envcfg.Tenant(); ok {
		opts = append(opts, Tenant(t))
	}
	return opts
}
