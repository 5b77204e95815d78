// Package sut describes the implementation under test: which programs play the
// pipeline's roles (producer, consumer, exporter, WebSocket server, quality aggregator),
// how each starts, how it is observed, and what it does not do.
//
// A Profile is a data file (fixtures/sut/<name>.yml). The steps speak the DashStream
// contract's names (settings as the reference spells them, metric names, /health
// statuses); a profile maps each one to the implementation's own, or declares it
// missing with the reason, and a scenario that needs what is missing skips naming the
// implementation and the capability. The reference implementation runs through its
// profile too (fixtures/sut/reference.yml), so nothing in the steps reaches a program
// around it.
package sut
