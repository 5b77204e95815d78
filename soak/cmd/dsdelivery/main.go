// Command dsdelivery runs the delivery soak measurement: see package soak/delivery for what runs,
// its flags, figures and exit codes.
package main

import (
	"github.com/dashstream/acceptance/soak/delivery"
	"github.com/dashstream/acceptance/soak/internal/measurecmd"
)

func main() { measurecmd.Main(delivery.Command()) }
