// Command dswsload runs the wsload soak measurement: see package soak/wsload for what runs,
// its flags, figures and exit codes.
package main

import (
	"github.com/dashstream/acceptance/soak/internal/measurecmd"
	"github.com/dashstream/acceptance/soak/wsload"
)

func main() { measurecmd.Main(wsload.Command()) }
