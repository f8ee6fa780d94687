package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// openDB opens the bbolt file at path.
//
// bbolt's freelist is kept in the file by the last commit before Close (and by Open when
// the file has none), so that Open reads it instead of scanning every page of the file:
// on a store of a million events the scan took over a second (BenchmarkOpen). The
// commits in between skip it (NoFreelistSync): bbolt writes the freelist of every such
// commit into a run of contiguous free pages, as long as the free pages are many, and
// under retention, which frees pages all over the file, it found no such run and grew
// the file past the byte budget (BENCHMARKS.md, Soak). After a crash, Open scans the file
// once and writes its freelist.
func openDB(path string, opts Options) (*bolt.DB, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:      2 * time.Second,
		NoSync:       opts.NoSync,
		FreelistType: bolt.FreelistMapType,
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("open store %s: the file is locked, is another plowbox using this data directory? %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if opts.Retention.MaxBytes > 0 {
		db.AllocSize = int(growStep(opts.Retention.MaxBytes))
	}
	db.NoFreelistSync = true // until Close (syncFreelist)
	return db, nil
}

// prepare readies a freshly opened file before the writer starts: it checks the layout,
// migrates an older format, applies retention once (a store reopened after a while or
// with smaller limits may be far over them) and compacts the file when that gives back
// much space. It reads the meta state into s.meta.
func (s *Store) prepare(opts Options) error {
	var version uint64
	err := s.db.Update(func(tx *bolt.Tx) (err error) {
		if version, err = initLayout(tx); err != nil {
			return err
		}
		return s.z.loadDicts(tx)
	})
	if err != nil {
		return err
	}
	if version < FormatVersion {
		if err := migrate(s.db, s.z, version, s.log); err != nil {
			return err
		}
	}
	if err := s.loadMeta(); err != nil {
		return err
	}
	s.ret.allocSize = int64(s.db.AllocSize)
	if s.ret.cfg.enabled() {
		s.refreshExtra()
		start, before := time.Now(), s.meta.counts
		s.ret.pruning = true
		for s.ret.pruning {
			s.pruneStep(pruneChunkStart)
		}
		if n := s.ret.deleted.Load(); n > 0 {
			s.log.Info("retention at start", "deleted", n, "before", before.Good+before.Bad, "took", time.Since(start).Round(time.Millisecond))
		}
	}
	if err := s.compactIfWorthwhile(opts); err != nil {
		return err
	}
	return s.view(func(tx *bolt.Tx) error {
		s.firstSeq.Store(firstSeqTx(tx, s.meta))
		return nil
	})
}

// loadMeta reads the meta bucket into s.meta.
func (s *Store) loadMeta() error {
	return s.view(func(tx *bolt.Tx) (err error) {
		s.meta, err = readMeta(tx.Bucket(bucketMeta))
		return err
	})
}

// Compaction thresholds: a file is compacted at Open when more than half of it is free
// (and it is at least compactMinSize), or when it is over the byte budget.
const compactMinSize = 1 << 20

// compactIfWorthwhile rewrites the file without its free pages when that gives back
// much space. The copy is written beside the file and renamed over it once complete and
// synced: a crash leaves either the old file or the new one, and a leftover copy is
// removed at the next Open.
func (s *Store) compactIfWorthwhile(opts Options) error {
	tmp := s.path + ".compact"
	if err := os.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove leftover %s: %w", tmp, err)
	}
	fi, err := os.Stat(s.path)
	if err != nil {
		return fmt.Errorf("stat: %w", err)
	}
	size := fi.Size()
	// What compaction gives back is the free pages and the file beyond the last page in
	// use: bbolt grows a small file to its mmap size, a power of two.
	var used int64
	if err := s.db.View(func(tx *bolt.Tx) error { used = tx.Size(); return nil }); err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	free := int64(s.db.Stats().FreePageN+s.db.Stats().PendingPageN) * int64(s.db.Info().PageSize)
	free += max(0, size-used)
	overBudget := s.ret.cfg.MaxBytes > 0 && size+s.ret.extra.Load() > s.ret.cfg.MaxBytes && free > 0
	if !(size >= compactMinSize && free > size/2) && !overBudget {
		return nil
	}
	start := time.Now()
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: time.Second, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return fmt.Errorf("compact: create %s: %w", tmp, err)
	}
	if err := bolt.Compact(dst, s.db, 64<<20); err != nil {
		dst.Close()
		os.Remove(tmp)
		return fmt.Errorf("compact into %s: %w", tmp, err)
	}
	if err := dst.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("compact: close %s: %w", tmp, err)
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("compact: close: %w", err)
	}
	if err := os.Rename(tmp, s.path); err != nil {
		return fmt.Errorf("compact: replace the file: %w", err)
	}
	syncDir(filepath.Dir(s.path))
	db, err := openDB(s.path, opts)
	if err != nil {
		return err
	}
	s.db = db
	nfi, err := os.Stat(s.path)
	if err != nil {
		return fmt.Errorf("stat: %w", err)
	}
	s.ret.compacted.Add(size - nfi.Size())
	s.log.Info("store compacted", "before_bytes", size, "after_bytes", nfi.Size(), "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// syncDir fsyncs directory dir so that a rename in it is durable. Some systems (Windows)
// cannot sync a directory; the rename is then as durable as they make it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// syncFreelist writes bbolt's freelist into the file with an empty commit, so that the
// next Open reads it instead of scanning the file (openDB). Close calls it once the
// writer has stopped.
func syncFreelist(db *bolt.DB) error {
	db.NoFreelistSync = false
	if err := db.Update(func(*bolt.Tx) error { return nil }); err != nil {
		return fmt.Errorf("write the freelist: %w", err)
	}
	return nil
}
