// Command dsprofile writes the fast rule profile, generated from the production rule
// file, to fixtures/prometheus/generated/dashstream.fast.rules.yml (`make rules-generate`).
//
// Usage:
//
//	go run ./system/monitoring/profile/cmd/dsprofile          # write the file
//	go run ./system/monitoring/profile/cmd/dsprofile -check   # fail if it is out of date
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dashstream/acceptance/system/monitoring"
	"github.com/dashstream/acceptance/system/monitoring/profile"
)

func main() {
	check := flag.Bool("check", false, "only check that the generated file is up to date")
	flag.Parse()
	if err := run(*check); err != nil {
		fmt.Fprintln(os.Stderr, "dsprofile:", err)
		os.Exit(1)
	}
}

func run(check bool) error {
	src, err := monitoring.Fixture(monitoring.ProductionRules)
	if err != nil {
		return err
	}
	dst, err := monitoring.Fixture(monitoring.FastRules)
	if err != nil {
		return err
	}
	in, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	out, err := profile.Rules(in, profile.Fast, "fixtures/"+monitoring.ProductionRules)
	if err != nil {
		return err
	}
	if check {
		cur, err := os.ReadFile(dst)
		if err != nil || !bytes.Equal(cur, out) {
			return fmt.Errorf("%s is out of date: run `make rules-generate`", monitoring.FastRules)
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(dst, out, 0o644); err != nil {
		return err
	}
	fmt.Println("wrote", dst)
	return nil
}
