package logthrottle

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// A thousand identical errors within the interval log one line; the next one after the
// interval says how many were dropped. Other messages, and info lines, are not held back.
func TestThrottle(t *testing.T) {
	var buf bytes.Buffer
	h := New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}), 10*time.Second)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h.state.now = func() time.Time { return now }
	log := slog.New(h)
	for range 1000 {
		log.Error("store commit failed", "err", "no space left on device")
		log.With("path", "/i").Error("collector payload not stored")
		log.Info("GOOD")
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	count := func(s string) (n int) {
		for _, l := range lines {
			if strings.Contains(l, s) {
				n++
			}
		}
		return n
	}
	if count("store commit failed") != 1 || count("collector payload not stored") != 1 || count("GOOD") != 1000 {
		t.Fatalf("%d lines:\n%s", len(lines), strings.Join(lines[:min(len(lines), 5)], "\n"))
	}
	now = now.Add(10 * time.Second)
	buf.Reset()
	log.Error("store commit failed", "err", "no space left on device")
	if got := buf.String(); !strings.Contains(got, "suppressed=999") {
		t.Errorf("after the interval: %q", got)
	}
}
