// Package selftest proves the release gate: for each mutant (a defect a developer could
// plausibly make, put into a temporary copy of the repository) it builds the copy, runs the
// scenarios that guard the mutated promise, and attributes the result.
//
// Mutants are data, steps/gateselftest/mutants/*.yml, one YAML list per family
// (incidents.yml is an example). The fields of a mutant:
//
//	name      unique id, e.g. sequence-always-zero
//	promise   the behaviour the mutant breaks, and where it is promised
//	file      the file to change, relative to the repository
//	find      text that occurs exactly once in file
//	replace   what it becomes; the copy must still build and vet
//	tags      godog tag filter selecting the scenarios to run (',' or, '&&' and, '~' not)
//	scenario  the guarding scenario: a substring of its name
//	step      the guarding step: a substring of its text
//	expect    optional: a substring of that step's error
//	hole      optional: declares a known hole (why no scenario kills it yet, and what would);
//	          reported in every table, never counted as a kill, and not failing the run
//	stack     optional: the only stack whose code the mutant changes (containers); run with
//	          -stack of that name, and left out, with a note, on any other
//
// Verdicts (Attribute, a pure function over godog's cucumber JSON):
//
//	killed            the guarding scenario failed, at the guarding step, with the expected error
//	killed-elsewhere  the gate failed, but not there: another scenario or step, or another error
//	                  (it does not count: a kill must be the promise's own scenario catching it)
//	survived          the gate passed with the defect in place: a hole in the gate
//	broken            the mutant does not build, or the suite did not run to a verdict: a broken
//	                  self-test, never a kill
//	not-run           the guarding scenario did not run (not selected by tags, or skipped)
//
// Before any mutant, the clean copy runs the union of every selected mutant's tags once and
// must pass; each guarding scenario must have run and passed there, or its mutant proves
// nothing and is reported as such.
//
// Traps: the copy keeps the checkout's build cache but builds its own .bin/repo binaries;
// the pinned tools and the Kafka jars are shared through DASHSTREAM_BIN_DIR and a link.
// Every run uses the release profile "none", so a skipped guarding scenario cannot hide.
package selftest
