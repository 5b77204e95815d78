package webhook

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Payload is the body Alertmanager POSTs to a webhook (format version "4").
type Payload struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   int               `json:"truncatedAlerts"`
	Status            string            `json:"status"`
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []Alert           `json:"alerts"`
}

// Alert is one alert of a Payload.
type Alert struct {
	// Status is "firing" or "resolved".
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// Name returns the alert's alertname label.
func (a Alert) Name() string { return a.Labels["alertname"] }

// Delivery is one recorded POST.
type Delivery struct {
	// Seq numbers deliveries from 1 in arrival order.
	Seq int
	// Arrived is when the request was received.
	Arrived time.Time
	// Path is the URL path it was posted to.
	Path string
	// Payload is the parsed body (zero when Err is set).
	Payload
	// Body is the raw body.
	Body []byte
	// Err is set when the body did not parse.
	Err error
}

// AlertNames returns the sorted, distinct alert names of the delivery.
func (d Delivery) AlertNames() []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range d.Alerts {
		if n := a.Name(); !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// Has reports whether the delivery went to receiver and holds an alert named alertname
// whose status is status ("firing" or "resolved").
func (d Delivery) Has(receiver, alertname, status string) bool {
	if d.Err != nil || d.Receiver != receiver {
		return false
	}
	for _, a := range d.Alerts {
		if a.Name() == alertname && a.Status == status {
			return true
		}
	}
	return false
}

// String summarises the delivery on one line for failure messages.
func (d Delivery) String() string {
	if d.Err != nil {
		return fmt.Sprintf("#%d %s %s: unparsable body: %v", d.Seq, d.Arrived.Format(time.StampMilli), d.Path, d.Err)
	}
	parts := make([]string, 0, len(d.Alerts))
	for _, a := range d.Alerts {
		parts = append(parts, a.Name()+"="+a.Status)
	}
	return fmt.Sprintf("#%d %s receiver=%s status=%s alerts=[%s]", d.Seq, d.Arrived.Format(time.StampMilli),
		d.Receiver, d.Status, strings.Join(parts, " "))
}

// Firing matches a delivery to receiver holding the firing alert alertname.
func Firing(alertname, receiver string) func(Delivery) bool {
	return func(d Delivery) bool { return d.Has(receiver, alertname, "firing") }
}

// Resolved matches a delivery to receiver holding the resolved alert alertname.
func Resolved(alertname, receiver string) func(Delivery) bool {
	return func(d Delivery) bool { return d.Has(receiver, alertname, "resolved") }
}
