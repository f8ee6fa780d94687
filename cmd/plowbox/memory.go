package main

import (
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
)

// defaultMemoryLimit is the Go heap's soft limit when neither --memory-limit nor
// GOMEMLIMIT says otherwise: enough for ingesting and searching a million events, and it
// keeps a full index rebuild from growing the heap far past it (the GC works harder instead).
const defaultMemoryLimit = 256 << 20

// sizeValue is an option holding a byte size such as 256MiB, or 0 for none.
type sizeValue struct{ p *int64 }

// size returns a size option set to def.
func size(p *int64, def int64) sizeValue {
	*p = def
	return sizeValue{p}
}

func (v sizeValue) String() string { return formatSize(*v.p) }

func (v sizeValue) Set(s string) error {
	n, err := parseSize(s)
	if err != nil {
		return err
	}
	*v.p = n
	return nil
}

// formatSize renders n bytes the way parseSize reads them back.
func formatSize(n int64) string {
	switch {
	case n == 0:
		return "0"
	case n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + "GiB"
	case n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "MiB"
	}
	return strconv.FormatInt(n, 10)
}

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
