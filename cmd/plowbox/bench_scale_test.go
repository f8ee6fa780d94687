package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestBenchScale runs plowbox bench scale over 20,000 events (PLOWBOX_SLOW_TESTS=1 only:
// it takes minutes) and checks that its report has every figure and every goal; the
// figures themselves are reports, not assertions.
func TestBenchScale(t *testing.T) {
	if os.Getenv("PLOWBOX_SLOW_TESTS") != "1" {
		t.Skip("set PLOWBOX_SLOW_TESTS=1 to run plowbox bench scale over 20,000 events")
	}
	dir := t.TempDir()
	cmd := exec.CommandContext(t.Context(), binary, "bench", "scale", "--events", "20000", "--dir", dir, "--rounds", "3")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("plowbox bench scale: %v\n%s", err, out)
	}
	report := string(out)
	t.Log(report)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^fill: \d+ records \(\d+ good, [1-9]\d* bad\)`),
		regexp.MustCompile(`(?m)^reindex: \d+ records in .* \(\d+ records/s, \d+ µs of CPU per record\)$`),
		regexp.MustCompile(`(?m)^server: ready \(GET /health 200\) [\d.]+ ms after start, first search answered after [\d.]+ ms; \d+ records to index again at start, caught up after [\d.]+ ms$`),
		regexp.MustCompile(`(?m)^disk: bbolt [\d.]+ MB \(\d+ B/record\), index [\d.]+ MB \(\d+ B/record\)$`),
		regexp.MustCompile(`(?m)^query by user +p50 +[\d.]+ ms +p99 +[\d.]+ ms$`),
		regexp.MustCompile(`(?m)^query match-all, facets and histogram +p50 +[\d.]+ ms +p99 +[\d.]+ ms$`),
		regexp.MustCompile(`(?m)^query mix: 45 queries, p50 [\d.]+ ms, p99 [\d.]+ ms$`),
		regexp.MustCompile(`(?m)^\| goal at 19910 records \| target \| measured \| met \|$`),
		regexp.MustCompile(`(?m)^\| query mix p50 \| ≤ 10ms \| [\d.]+ ms \| (yes|no) \|$`),
		regexp.MustCompile(`(?m)^\| query mix p99 \| ≤ 50ms \| [\d.]+ ms \| (yes|no) \|$`),
		regexp.MustCompile(`(?m)^\| match-all with facets and histogram, p50 \(p99\) \| ≤ 100ms \| [\d.]+ ms \([\d.]+ ms\) \| (yes|no) \|$`),
		regexp.MustCompile(`(?m)^\| reindex \| ≥ 30000 records/s \| \d+ records/s .*\| (yes|no) \|$`),
		regexp.MustCompile(`(?m)^\| Go heap in use, peak of the samples \| ≤ 150 MB \| [1-9]\d* MB \| (yes|no) \|$`),
		regexp.MustCompile(`(?m)^\| RSS: anonymous / file-backed .* \| [1-9]\d* MB / [1-9]\d* MB \(peak RSS [1-9]\d* MB\) \| \|$`),
		regexp.MustCompile(`(?m)^\| store \+ index per record \| ≤ 1536 B \| \d+ B \(bbolt \d+ \+ index \d+\) \| (yes|no) \|$`),
		regexp.MustCompile(`(?m)^\| ready after start \(GET /health 200\) \| ≤ 100ms \| [\d.]+ ms .*\| (yes|no) \|$`),
		regexp.MustCompile(`(?m)^slowest query \(by p99\): \S`),
	} {
		if !want.MatchString(report) {
			t.Errorf("the report has no line matching %s", want)
		}
	}
	for _, name := range []string{"reindex.cpu.pprof", "slowest-query.cpu.pprof"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Size() == 0 {
			t.Errorf("no CPU profile %s: %v", name, err)
		}
	}
	if strings.Contains(report, "ERROR") {
		t.Errorf("the report has an error:\n%s", report)
	}
}
