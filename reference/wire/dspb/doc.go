// Package dspb holds the Go types generated from dashstream.proto, the DashStream v1
// protobuf schema (package dashstream.v1). Regenerate with `make generate`; never edit
// dashstream.pb.go by hand.
package dspb
