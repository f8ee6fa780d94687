package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBenchIndexAndReindex(t *testing.T) {
	dir := t.TempDir()
	noEnv := func(string) (string, bool) { return "", false }
	var out, errs strings.Builder
	args := []string{"bench", "index", "--events", "300", "--rounds", "1", "--dir", dir, "--live-rate", "100", "--live-duration", "300ms"}
	if code := run(context.Background(), args, &out, &errs, noEnv); code != 0 {
		t.Fatalf("bench index exit %d: %s", code, errs.String())
	}
	for _, want := range []string{"store: 300 records (300 good, 0 bad)", "index: 300 records", "query mix (12 queries)", "B/event", "searchable after the write returned"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("bench index output lacks %q:\n%s", want, out.String())
		}
	}
	_, live, _ := strings.Cut(out.String(), "live: ")
	var sent int
	if _, err := fmt.Sscanf(live, "%d single-event requests", &sent); err != nil || sent < 10 {
		t.Fatalf("live run: %q (%v)", live, err)
	}

	out.Reset()
	if code := run(context.Background(), []string{"reindex", "--data", dir}, &out, &errs, noEnv); code != 0 {
		t.Fatalf("reindex exit %d: %s", code, errs.String())
	}
	if !strings.Contains(out.String(), fmt.Sprintf("indexed %d records", 300+sent)) {
		t.Errorf("reindex output: %s", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "index", "index_meta.json")); err != nil {
		t.Errorf("no index after reindex: %v", err)
	}

	errs.Reset()
	if code := run(context.Background(), []string{"reindex", "--data", filepath.Join(dir, "missing")}, &out, &errs, noEnv); code != 1 || !strings.Contains(errs.String(), "data directory") {
		t.Errorf("reindex of a missing directory: exit %d, %q", code, errs.String())
	}
}
