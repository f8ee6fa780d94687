package store

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/plowbox/plowbox/enrich"
)

// clock is a settable clock for age retention.
type clock struct{ ns atomic.Int64 }

func (c *clock) now() time.Time                { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) set(t time.Time)               { c.ns.Store(t.UnixNano()) }
func newClock(t time.Time) *clock              { c := new(clock); c.set(t); return c }
func quiet() *slog.Logger                      { return slog.New(slog.DiscardHandler) }
func deletedLog() (*deletions, func([]uint64)) { d := new(deletions); return d, d.add }

// deletions records what OnDelete reported.
type deletions struct {
	mu   sync.Mutex
	seqs []uint64
}

func (d *deletions) add(seqs []uint64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !slices.IsSorted(seqs) {
		panic(fmt.Sprintf("OnDelete got unsorted sequences %v", seqs))
	}
	d.seqs = append(d.seqs, seqs...)
}

func (d *deletions) get() []uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.seqs)
}

// waitFor polls cond until it holds or 5 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// checkConsistent recounts the buckets and checks them against Counts, FirstSeq and
// the payloads: every index key names a record of its kind, every record's payload
// exists, no payload is older than the first record's.
func checkConsistent(t *testing.T, s *Store) {
	t.Helper()
	var c Counts
	var first uint64
	err := s.view(func(tx *bolt.Tx) error {
		recs, payloads := tx.Bucket(bucketRecords), tx.Bucket(bucketPayloads)
		kinds := map[string]int{}
		err := recs.ForEach(func(k, v []byte) error {
			h, err := recordHead(v)
			if err != nil {
				return err
			}
			st, ps := h.stage, h.payloadSeq
			if len(h.eventID) > 0 {
				if tx.Bucket(bucketEventIDs).Get(eventIDKey(h.eventID, seqOf(k))) == nil {
					t.Errorf("record %d missing from event_ids", seqOf(k))
				}
				kinds["event_ids"]++
			}
			if first == 0 {
				first = seqOf(k)
				if pk, _ := payloads.Cursor().First(); pk == nil || seqOf(pk) != ps {
					t.Errorf("first payload is not the first record's (%d)", ps)
				}
			}
			if payloads.Get(key(ps)) == nil {
				t.Errorf("record %d: payload %d missing", seqOf(k), ps)
			}
			c.add(st, 1)
			want := map[enrich.Stage][]string{enrich.StageGood: {"good", "events"}, enrich.StageValidation: {"bad", "events"}}[st]
			if want == nil {
				want = []string{"bad"}
			}
			for _, b := range want {
				if tx.Bucket([]byte(b)).Get(k) == nil {
					t.Errorf("record %d missing from %s", seqOf(k), b)
				}
				kinds[b]++
			}
			return nil
		})
		for _, b := range []string{"good", "bad", "events", "event_ids"} {
			if n := tx.Bucket([]byte(b)).Stats().KeyN; n != kinds[b] {
				t.Errorf("bucket %s has %d keys, its records say %d", b, n, kinds[b])
			}
		}
		if first == 0 && payloads.Stats().KeyN != 0 {
			t.Errorf("no record but %d payloads", payloads.Stats().KeyN)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Counts(); got != c {
		t.Errorf("Counts() = %+v, records say %+v", got, c)
	}
	if first == 0 {
		first = s.LastSeq() + 1
	}
	if s.FirstSeq() != first {
		t.Errorf("FirstSeq() = %d, want %d", s.FirstSeq(), first)
	}
}

// writeAt writes one payload received at ts with outputs of the given stages.
func writeAt(t testing.TB, s *Store, ts time.Time, n int, stages ...enrich.Stage) uint64 {
	t.Helper()
	p := testPayload(n)
	p.Timestamp = ts
	r := &enrich.Result{Payload: p}
	for i, st := range stages {
		r.Outputs = append(r.Outputs, out(st, fmt.Sprintf("%d.%d", n, i)))
	}
	first, err := s.WriteSeq(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return first
}

func TestRetentionAge(t *testing.T) {
	t0 := time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC)
	clk := newClock(t0)
	dels, onDelete := deletedLog()
	dir := t.TempDir()
	opts := Options{Logger: quiet(), Now: clk.now, OnDelete: onDelete,
		Retention: Retention{MaxAge: time.Hour, Interval: 5 * time.Millisecond}}
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close() }()
	// Ten payloads a minute apart, two records each (a good event and a bad row).
	for i := range 10 {
		writeAt(t, s, t0.Add(time.Duration(i)*time.Minute), i, enrich.StageGood, enrich.StageAdapter)
	}
	time.Sleep(20 * time.Millisecond)
	if c := s.Counts(); c.Good != 10 || c.Bad != 10 {
		t.Fatalf("before the hour: Counts() = %+v, nothing should go", c)
	}

	// 65.5 minutes later, the payloads of minutes 0 to 5 are over an hour old.
	clk.set(t0.Add(65*time.Minute + 30*time.Second))
	waitFor(t, "age retention", func() bool { return s.Counts().Good == 4 })
	checkConsistent(t, s)
	if got, want := dels.get(), []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}; !reflect.DeepEqual(got, want) {
		t.Errorf("OnDelete got %v, want %v", got, want)
	}
	if oldest, _, _ := s.Oldest(); !oldest.Equal(t0.Add(6 * time.Minute)) {
		t.Errorf("Oldest() = %v, want minute 6", oldest)
	}
	if st := s.RetentionStats(); st.Deleted != 12 || st.ByAge != 12 || st.Payloads != 6 || st.Last.IsZero() {
		t.Errorf("RetentionStats() = %+v", st)
	}

	// Closed for a while: Open applies retention before it returns.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	clk.set(t0.Add(68*time.Minute + 30*time.Second))
	opts.Retention.Interval = time.Hour
	if s, err = Open(dir, opts); err != nil {
		t.Fatal(err)
	}
	if got := collect(t, s.Good); !reflect.DeepEqual(got, []string{"9.0"}) {
		t.Errorf("after reopening 3 minutes later: good events %q, want [9.0]", got)
	}
	checkConsistent(t, s)
}

func TestRetentionCount(t *testing.T) {
	dels, onDelete := deletedLog()
	s := openTest(t, Options{OnDelete: onDelete, Retention: Retention{MaxRecords: 100, Interval: time.Hour}})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				writeAt(t, s, time.Now(), w*1000+i, enrich.StageGood, enrich.StageValidation, enrich.StageGood)
			}
		}()
	}
	// Readers iterate all along; deleted records must never break an iteration.
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				for _, iter := range []func(func(*Record) bool) error{s.Good, s.Bad, s.Events} {
					if err := iter(func(*Record) bool { return true }); err != nil {
						t.Error(err)
						return
					}
				}
				if err := s.Since(0, func(*Record) bool { return true }); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	waitFor(t, "count retention", func() bool { c := s.Counts(); return c.Good+c.Bad == 100 })
	// The newest 100 records remain: 600 were written.
	checkConsistent(t, s)
	if s.FirstSeq() != 501 || s.LastSeq() != 600 {
		t.Errorf("sequences %d..%d, want 501..600", s.FirstSeq(), s.LastSeq())
	}
	if got := dels.get(); len(got) != 500 || got[0] != 1 || got[499] != 500 {
		t.Errorf("OnDelete reported %d sequences, want 1..500", len(got))
	}
	if st := s.RetentionStats(); st.ByCount != 500 {
		t.Errorf("RetentionStats() = %+v, want 500 by count", st)
	}
}

// TestRetentionBytes ingests as fast as it can into a store capped at 10 MB (of which 1 MB
// is taken by a pretend index) for PLOWBOX_RETENTION_SECONDS (default 10) and checks that
// the file plus the index never exceed the cap, while readers run. With -short: 2 MB for
// 2 seconds. It runs with PLOWBOX_SLOW_TESTS=1 or PLOWBOX_SOAK=1.
func TestRetentionBytes(t *testing.T) {
	if os.Getenv("PLOWBOX_SLOW_TESTS") != "1" && os.Getenv("PLOWBOX_SOAK") != "1" {
		t.Skip("a 10 s soak; set PLOWBOX_SLOW_TESTS=1")
	}
	seconds := 10
	if v := os.Getenv("PLOWBOX_RETENTION_SECONDS"); v != "" {
		if _, err := fmt.Sscan(v, &seconds); err != nil {
			t.Fatalf("PLOWBOX_RETENTION_SECONDS=%q: %v", v, err)
		}
	}
	budget, index := int64(10<<20), int64(1<<20)
	if testing.Short() {
		seconds, budget, index = 2, 2<<20, 256<<10
	}
	var maxFile atomic.Int64
	sample := func(path string) { // the file grows only in a commit: sampled after each
		if fi, err := os.Stat(path); err == nil && fi.Size() > maxFile.Load() {
			maxFile.Store(fi.Size())
		}
	}
	var path atomic.Pointer[string]
	dels, onDelete := deletedLog()
	s := openTest(t, Options{NoSync: true, OnDelete: onDelete,
		OnCommit: func(int, int, time.Duration) {
			if p := path.Load(); p != nil {
				sample(*p)
			}
		},
		Retention: Retention{MaxBytes: budget, ExtraBytes: func() int64 { return index }, Interval: 100 * time.Millisecond}})
	p := s.Path()
	path.Store(&p)

	// Run for the given time, and on a slow machine (-race) until retention has had to
	// work a few times (a minute at most).
	start := time.Now()
	end, last := start.Add(time.Duration(seconds)*time.Second), start.Add(time.Duration(seconds)*time.Second+time.Minute)
	done := func() bool {
		now := time.Now()
		return now.After(last) || now.After(end) && s.RetentionStats().Passes >= 3
	}
	var written atomic.Int64
	stop := make(chan struct{})
	var wg, writers sync.WaitGroup
	for w := range 4 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for i := 0; !done(); i++ {
				writeAt(t, s, time.Now(), w<<24|i, enrich.StageGood, enrich.StageValidation)
				written.Add(2)
				sample(p) // the retention transactions in between may grow it too
			}
		}()
	}
	wg.Add(1)
	go func() { // reader
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			n := 0
			if err := s.Events(func(*Record) bool { n++; return n < 200 }); err != nil {
				t.Error(err)
				return
			}
			if _, _, err := s.Get(s.FirstSeq()); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	writers.Wait()
	close(stop)
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	// Retention goes on after the writers stop: compare the records, Counts and what
	// OnDelete reported once the pass has ended.
	if err := s.settle(); err != nil {
		t.Fatal(err)
	}
	sample(p)

	du, err := s.DiskUsage()
	if err != nil {
		t.Fatal(err)
	}
	st := s.RetentionStats()
	t.Logf("%.0f s: %d records written (%.0f/s), %d deleted by size in %d transactions, %d kept; file at most %.2f MB, now %.2f MB (%.2f MB free), index %.2f MB, budget %.2f MB",
		elapsed, written.Load(), float64(written.Load())/elapsed, st.BySize, st.Passes, s.Counts().Good+s.Counts().Bad,
		float64(maxFile.Load())/(1<<20), float64(du.FileBytes)/(1<<20), float64(du.FreeBytes)/(1<<20), float64(index)/(1<<20), float64(budget)/(1<<20))
	if maxFile.Load()+index > budget {
		t.Errorf("file reached %d bytes: with the index, over the %d budget", maxFile.Load(), budget)
	}
	if st.BySize == 0 {
		t.Errorf("wrote %d records and deleted %d: the test did not exercise the budget", written.Load(), st.BySize)
	}
	checkConsistent(t, s)
	if got := dels.get(); uint64(len(got)) != st.Deleted || (len(got) > 0 && got[0] != 1) {
		t.Errorf("OnDelete reported %d sequences from %v, retention deleted %d", len(got), got[:min(1, len(got))], st.Deleted)
	}
}

// TestCompactAtOpen checks that Open gives back the space of deleted records: a store
// mostly deleted by a lower limit is rewritten into a small file.
func TestCompactAtOpen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{NoSync: true, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	fillT(t, s, 20000, 100)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(filepath.Join(dir, FileName))
	s, err = Open(dir, Options{NoSync: true, Logger: quiet(), Retention: Retention{MaxRecords: 500}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	after, _ := os.Stat(filepath.Join(dir, FileName))
	st := s.RetentionStats()
	t.Logf("file %d → %d bytes, compaction gave back %d", before.Size(), after.Size(), st.Compacted)
	if after.Size() > before.Size()/4 || st.Compacted != before.Size()-after.Size() {
		t.Errorf("file %d → %d bytes (compacted %d), want it under a quarter", before.Size(), after.Size(), st.Compacted)
	}
	checkConsistent(t, s)
	if c := s.Counts(); c.Good+c.Bad != 500 {
		t.Errorf("Counts() = %+v, want 500 records", c)
	}
	if _, err := os.Stat(filepath.Join(dir, FileName) + ".compact"); !os.IsNotExist(err) {
		t.Errorf("the compaction copy is left behind: %v", err)
	}
}
