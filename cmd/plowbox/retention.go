package main

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/plowbox/plowbox/internal/options"

	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/index"
)

// retentionConfig is what plowbox serve can be told about retention.
type retentionConfig struct {
	age    time.Duration
	events int
	bytes  options.SizeOrAuto
}

// retentionOptions is the table of the retention options of plowbox serve.
func retentionOptions(c *retentionConfig) []options.Option {
	c.bytes = options.SizeOrAuto{Auto: true}
	return []options.Option{
		{Name: "retention-age", Usage: "delete events and bad rows received longer ago than this; 0 keeps them", Value: options.Duration(&c.age, 7*24*time.Hour)},
		{Name: "retention-events", Usage: "keep at most this many events and bad rows, deleting the oldest; 0 for no cap", Value: options.Int(&c.events, 0)},
		{Name: "retention-bytes", Usage: "cap on the disk space of the store and the search index, deleting the oldest records to stay under it: a size such as 500MB or 2GiB, 0 for no cap, or auto for 80 % of the disk space free at start (plus what plowbox already uses)", Value: &c.bytes},
	}
}

// storeRetention turns the options into the store's retention limits. The byte budget
// "auto" is 80 % of the space free on the data directory's file system plus what
// plowbox's files already take there (so a restart does not shrink the budget by what
// plowbox itself stored).
func storeRetention(c retentionConfig, dataDir, indexDir string, pruner *index.Pruner, log *slog.Logger) (store.Retention, error) {
	r := store.Retention{MaxAge: c.age, MaxRecords: c.events, MaxBytes: c.bytes.Bytes, ExtraBytes: pruner.DiskBytes}
	if c.age < 0 || c.events < 0 {
		return r, fmt.Errorf("--retention-age and --retention-events must not be negative")
	}
	if c.bytes.Auto {
		free, err := store.FreeDiskBytes(dataDir)
		if err != nil {
			log.Warn("retention: no byte budget, the free disk space is unknown; set --retention-bytes", "err", err)
			return r, nil
		}
		used := store.DirBytes(dataDir)
		if rel, err := filepath.Rel(dataDir, indexDir); err != nil || strings.HasPrefix(rel, "..") {
			used += store.DirBytes(indexDir)
		}
		r.MaxBytes = (free + used) / 10 * 8
		// Headroom: when something else fills the disk, the budget shrinks so that the
		// disk keeps 5 % of that space (64 MiB to 1 GiB) free, instead of reaching ENOSPC.
		r.MinFreeBytes = min(max((free+used)/20, 64<<20), 1<<30)
	}
	log.Info("retention", "max_age", c.age, "max_records", c.events, "max_bytes", r.MaxBytes, "min_free_bytes", r.MinFreeBytes)
	return r, nil
}

// registerRetentionMetrics puts what the byte budget reserves for the search index on reg.
func registerRetentionMetrics(reg prometheus.Registerer, st *store.Store) {
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "plowbox_retention_index_reserve_bytes",
		Help: "What the disk cap (--retention-bytes) sets aside for the search index: its bytes per live record at its low points times the records kept, plus a swing for its merges."},
		func() float64 {
			du, err := st.DiskUsage()
			if err != nil {
				return 0
			}
			return float64(du.ReserveBytes)
		}))
}
