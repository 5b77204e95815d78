package steps

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dashstream/acceptance/system/monitoring/webhook"
)

func webhookDelivery(receiver string, alerts ...webhook.Alert) webhook.Delivery {
	return webhook.Delivery{Payload: webhook.Payload{Receiver: receiver, Alerts: alerts}}
}

func alert(name, status, instance string) webhook.Alert {
	return webhook.Alert{Status: status, Labels: map[string]string{"alertname": name, "instance": instance}}
}

// TestStrays: a delivery of the alert to another receiver, in any status, or a firing one
// for a series the scenario does not expect, is a stray; other alerts are not.
func TestStrays(t *testing.T) {
	only2 := func(a webhook.Alert) bool { return a.Labels["instance"] == "e2" }
	ok := []webhook.Delivery{
		webhookDelivery("pager", alert("ServiceDown", "firing", "e2")),
		webhookDelivery("team", alert("HighDecodeErrorRate", "firing", "e1")),
		webhookDelivery("pager", alert("ServiceDown", "resolved", "e1")),
	}
	require.Empty(t, strays(ok, "ServiceDown", "pager", only2))
	require.Contains(t, strays(append(ok, webhookDelivery("team", alert("ServiceDown", "resolved", "e2"))), "ServiceDown", "pager", only2),
		"resolved ServiceDown reached team")
	require.Contains(t, strays(append(ok, webhookDelivery("pager", alert("ServiceDown", "firing", "e1"))), "ServiceDown", "pager", only2),
		"ServiceDown fired for")
	require.True(t, firing(ok[0], "ServiceDown", "pager", only2))
	require.False(t, firing(ok[0], "ServiceDown", "team", only2))
	require.True(t, resolved(ok[2], "ServiceDown", "pager", anyAlert))
	require.False(t, resolved(ok[2], "ServiceDown", "pager", only2))
}
