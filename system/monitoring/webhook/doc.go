// Package webhook is a recording Alertmanager webhook receiver: a real HTTP server on
// loopback that parses and keeps every notification Alertmanager delivers, with its
// arrival time, so a test can wait for one and prove when it came.
//
// Start it, give Alertmanager URL(receiverName) as a webhook_configs url (the path is
// informative only: the receiver name is read from the payload), then use WaitFor with a
// predicate such as Firing("MessageLossDetected", "pager").
//
// Contract:
//   - Every POST is recorded in arrival order, including bodies that do not parse
//     (Delivery.Err is set; the HTTP answer is 400 so Alertmanager logs it).
//   - Deliveries returns a copy; WaitFor returns the first recorded delivery (earliest
//     arrival, including ones that arrived before the call) that matches, or, when ctx
//     ends, an error that lists every delivery seen so far.
//   - Close is safe to call twice.
//
// The payload is Alertmanager's webhook format version 4 (see Payload).
package webhook
