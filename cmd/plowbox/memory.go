package main

import (
	"log/slog"
	"os"
	"runtime/debug"
)

// defaultMemoryLimit is the Go heap's soft limit when neither --memory-limit nor
// GOMEMLIMIT says otherwise: enough for ingesting and searching a million events, and it
// keeps a full index rebuild from growing the heap far past it (the GC works harder instead).
const defaultMemoryLimit = 256 << 20

// applyMemoryLimit sets the Go heap's soft limit, unless GOMEMLIMIT is set, which the Go
// runtime has already applied and which wins.
func applyMemoryLimit(limit int64, log *slog.Logger) {
	if v := os.Getenv("GOMEMLIMIT"); v != "" {
		log.Debug("memory limit from GOMEMLIMIT", "limit", v)
		return
	}
	if limit > 0 {
		debug.SetMemoryLimit(limit)
	}
}
