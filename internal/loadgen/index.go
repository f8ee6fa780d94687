package loadgen

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/internal/cputime"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/index"
	"github.com/plowbox/plowbox/store/index/indextest"
)

// IndexConfig is what RunIndex can be told.
type IndexConfig struct {
	// Version is plowbox's, stamped on the generated events.
	Version string
	// Events is the number of events in the generated store.
	Events int
	// Dir is the data directory to build the store and index in; empty for a temporary one.
	Dir string
	// Rounds is the number of rounds of the query mix.
	Rounds int
	// PerRequest is the number of events per TP2 request of the generated traffic.
	PerRequest int
	// Keep keeps the temporary directory.
	Keep bool
	// Reuse reuses the store in Dir when it already has Events records.
	Reuse bool
	// Span is the time the generated traffic is spread over.
	Span time.Duration
	// Workers is the number of goroutines enriching and writing the generated traffic.
	Workers int
	// LiveRate is the events/s of the live run; 0 skips it.
	LiveRate int
	// LiveDuration is the length of the live run.
	LiveDuration time.Duration
	// KeepIndex, with Reuse, keeps the index in Dir too (measures queries only).
	KeepIndex bool
}

// RunIndex builds a store of realistic web events by running generated tracker
// payloads through the enricher, indexes it from scratch, and runs a mix of queries,
// reporting index throughput, query latency, RSS and disk per event to stdout.
func RunIndex(ctx context.Context, cfg IndexConfig, stdout, stderr io.Writer) error {
	if cfg.Events <= 0 || cfg.PerRequest <= 0 {
		return fmt.Errorf("--events and --per-request must be positive")
	}
	dir := cfg.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "plowbox-bench-index-")
		if err != nil {
			return fmt.Errorf("temporary directory: %w", err)
		}
		dir = d
		if !cfg.Keep {
			defer os.RemoveAll(dir)
		}
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := store.Open(dir, store.Options{NoSync: true, Logger: log})
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	end := time.Now().UTC().Truncate(time.Second)
	begin := end.Add(-cfg.Span)

	if have := st.Counts(); !cfg.Reuse || have.Good+have.Bad < cfg.Events {
		if have.Good+have.Bad > 0 {
			if err := st.Reset(); err != nil {
				return err
			}
		}
		t := time.Now()
		if err := fillStore(ctx, st, cfg, begin); err != nil {
			return err
		}
		fmt.Fprintf(w, "store: %d events written through the enricher in %s (%.0f events/s)\n", cfg.Events, since(t), float64(cfg.Events)/time.Since(t).Seconds())
	}
	c := st.Counts()
	n := c.Good + c.Bad
	dbSize := fileSize(st.Path())
	fmt.Fprintf(w, "store: %d records (%d good, %d bad), bbolt %.1f MB, %.0f bytes/event\n", n, c.Good, c.Bad, float64(dbSize)/1e6, float64(dbSize)/float64(n))
	w.Flush()

	idxDir := filepath.Join(dir, "index")
	if !cfg.Reuse || !cfg.KeepIndex {
		if err := os.RemoveAll(idxDir); err != nil {
			return err
		}
	}
	runtime.GC()
	debug.FreeOSMemory()
	rssBefore := rss()
	cpu0 := cputime.Self()
	t := time.Now()
	ix, err := index.Open(idxDir, st, index.Options{Logger: log})
	if err != nil {
		return err
	}
	defer ix.Close()
	var peak, peakAnon atomic.Int64
	stopRSS := watchRSS(&peak, &peakAnon)
	if err := ix.WaitIndexed(ctx, st.LastSeq()); err != nil {
		return err
	}
	took := time.Since(t)
	cpu := cputime.Self() - cpu0
	stopRSS()
	s := ix.Stats()
	fmt.Fprintf(w, "index: %d records in %s: %.0f events/s; CPU %.0f µs/event (%.0f events per CPU-second); %d values left unindexed\n",
		s.Docs, took.Round(time.Millisecond), float64(s.Docs)/took.Seconds(), float64(cpu.Microseconds())/float64(s.Docs), float64(s.Docs)/cpu.Seconds(), s.Unindexable)
	fmt.Fprintf(w, "index: RSS %.0f MB before, peak %.0f MB while indexing (anonymous memory: peak %.0f MB; the rest is mapped bbolt and bleve files)\n", mb(rssBefore), mb(peak.Load()), mb(peakAnon.Load()))
	w.Flush()

	// Let scorch merge and persist before measuring disk and queries.
	if n >= 100_000 {
		time.Sleep(3 * time.Second)
	}
	lat, err := queryMix(ctx, ix, cfg.Rounds, begin, end)
	if err != nil {
		return err
	}
	s = ix.Stats()
	fmt.Fprintf(w, "disk: bbolt %.0f B/event, bleve %.0f B/event, total %.0f B/event (bleve %.1f MB)\n",
		float64(dbSize)/float64(n), float64(s.DiskBytes)/float64(n), float64(dbSize+s.DiskBytes)/float64(n), float64(s.DiskBytes)/1e6)
	var all []time.Duration
	names := make([]string, 0, len(lat))
	for name, ds := range lat {
		names = append(names, name)
		all = append(all, ds...)
	}
	slices.Sort(names)
	for _, name := range names {
		ds := lat[name]
		fmt.Fprintf(w, "query %-28s p50 %7.2f ms  p99 %7.2f ms\n", name, ms(pct(ds, 50)), ms(pct(ds, 99)))
	}
	fmt.Fprintf(w, "query mix (%d queries): p50 %.2f ms, p99 %.2f ms\n", len(all), ms(pct(all, 50)), ms(pct(all, 99)))
	fmt.Fprintf(w, "RSS after queries %.0f MB, of which anonymous %.0f MB (Go heap in use %.0f MB)\n", mb(rss()), mb(rssAnon()), mb(heapInUse()))
	w.Flush()
	if cfg.LiveRate > 0 && cfg.LiveDuration > 0 {
		return liveRun(ctx, w, st, ix, cfg)
	}
	return nil
}

// liveRun writes single-event requests at cfg.LiveRate through the enricher into the store
// while the index follows, and measures how long after each write returned (the
// tracker's 200) the event was searchable.
func liveRun(ctx context.Context, w io.Writer, st *store.Store, ix *index.Index, cfg IndexConfig) error {
	en := enrich.New(enrich.Config{Version: cfg.Version})
	const tickEvery = 10 * time.Millisecond
	tick := time.NewTicker(tickEvery)
	defer tick.Stop()
	start := time.Now()
	deadline := start.Add(cfg.LiveDuration)
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64) // at most 64 writes in flight, as 64 tracker connections
	errc := make(chan error, 1)
	cpu0, sent := cputime.Self(), 0
	for r := 10_000_000; time.Now().Before(deadline); {
		<-tick.C
		// Catch up with the schedule: the requests due by now.
		due := int(time.Since(start).Seconds() * float64(cfg.LiveRate))
		for ; sent < due; sent++ {
			sem <- struct{}{}
			r++
			wg.Go(func() {
				seq, err := st.WriteSeq(ctx, en.Process(ctx, indextest.Payload(r, 1, time.Now())))
				<-sem
				if err != nil {
					select {
					case errc <- err:
					default:
					}
					return
				}
				acked := time.Now()
				sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				defer cancel()
				if err := ix.WaitIndexed(sctx, seq); err != nil {
					select {
					case errc <- err:
					default:
					}
					return
				}
				mu.Lock()
				lat = append(lat, time.Since(acked))
				mu.Unlock()
			})
		}
	}
	took := time.Since(start)
	wg.Wait()
	select {
	case err := <-errc:
		return fmt.Errorf("live run: %w", err)
	default:
	}
	cpu := cputime.Self() - cpu0
	fmt.Fprintf(w, "live: %d single-event requests in %s (%.0f/s), CPU %.0f%% of one core (enricher, store and index); searchable after the write returned: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
		sent, took.Round(time.Millisecond), float64(sent)/took.Seconds(), 100*cpu.Seconds()/took.Seconds(), ms(pct(lat, 50)), ms(pct(lat, 99)), ms(pct(lat, 100)))
	return nil
}

// fillStore writes cfg.Events generated events through the enricher into st.
func fillStore(ctx context.Context, st *store.Store, cfg IndexConfig, begin time.Time) error {
	return writeGenerated(ctx, st, indextest.Payload, generated{Version: cfg.Version, Events: cfg.Events,
		PerRequest: cfg.PerRequest, Workers: cfg.Workers, Span: cfg.Span, Begin: begin})
}

// queryMix runs rounds of typical explorer and Micro queries and returns their latencies.
func queryMix(ctx context.Context, ix *index.Index, rounds int, begin, end time.Time) (map[string][]time.Duration, error) {
	var timeline []index.TimeRange
	for i := 30; i > 0; i-- {
		timeline = append(timeline, index.TimeRange{Start: end.Add(-time.Duration(i) * time.Minute), End: end.Add(-time.Duration(i-1) * time.Minute)})
	}
	for i := 28; i > 0; i-- {
		timeline = append(timeline, index.TimeRange{Start: end.Add(-time.Duration(i) * 6 * time.Hour), End: end.Add(-time.Duration(i-1) * 6 * time.Hour)})
	}
	mix := []struct {
		name string
		q    index.Query
	}{
		{"newest 50", index.Query{}},
		{"micro filter app_id", index.Query{Filters: []index.Filter{{Field: "app_id", Values: []string{"blog"}}}, Kinds: []string{index.KindGood, index.KindIncomplete}}},
		{"micro filters AND, sorted", index.Query{Filters: []index.Filter{{Field: "event_name", Values: []string{"page_view", "link_click"}}, {Field: "app_id", Values: []string{"shop"}}}, Sort: []index.Sort{{Field: "collector_tstamp", Desc: true}}, Kinds: []string{index.KindGood, index.KindIncomplete}}},
		{"event_id lookup", index.Query{Q: "event_id:0000002a-002a-402a-8006-00000000002a"}},
		{"nested entity field", index.Query{Q: "contexts_com_acme_user_1.plan:team AND event_name:page_view"}},
		{"free text", index.Query{Q: "summer sale"}},
		{"numeric range", index.Query{Q: "pp_yoffset_max:>3000"}},
		{"last hour", index.Query{Start: end.Add(-time.Hour), End: end}},
		{"facets", index.Query{Size: 1, Facets: []string{"app_id", "event_name", "kind"}, Start: end.Add(-time.Hour)}},
		{"timeline 58 buckets", index.Query{Size: 1, Buckets: timeline, Kinds: []string{index.KindGood, index.KindIncomplete}}},
		{"sort by page_title", index.Query{Sort: []index.Sort{{Field: "page_title"}}, Q: "app_id:blog"}},
	}
	lat := map[string][]time.Duration{}
	for range rounds {
		for _, m := range mix {
			t := time.Now()
			if _, err := ix.Search(ctx, m.q); err != nil {
				return nil, fmt.Errorf("query %s: %w", m.name, err)
			}
			lat[m.name] = append(lat[m.name], time.Since(t))
		}
		// Deep paging: page 21 of 50, following cursors.
		q := index.Query{Q: "event_name:page_ping"}
		t := time.Now()
		for range 20 {
			res, err := ix.Search(ctx, q)
			if err != nil {
				return nil, err
			}
			q.After = res.Next
		}
		lat["20 pages with After (each)"] = append(lat["20 pages with After (each)"], time.Since(t)/20)
	}
	return lat, nil
}

// pct returns the p-th percentile of ds.
func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

// watchRSS samples the process RSS and its anonymous part into peak and peakAnon until the
// returned function is called.
func watchRSS(peak, peakAnon *atomic.Int64) func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if r := rss(); r > peak.Load() {
				peak.Store(r)
			}
			if r := rssAnon(); r > peakAnon.Load() {
				peakAnon.Store(r)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// rss returns the resident set size of this process in bytes (Linux), 0 elsewhere.
func rss() int64 { return procStatus("VmRSS:") }

// rssAnon returns the anonymous part of the resident set: memory plowbox allocated, as
// opposed to pages of the bbolt and bleve files it maps, which the kernel can drop.
func rssAnon() int64 { return procStatus("RssAnon:") }

// procStatus reads a kB value of /proc/self/status in bytes.
func procStatus(key string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func heapInUse() int64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse)
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func mb(b int64) float64              { return float64(b) / 1e6 }
func ms(d time.Duration) float64      { return float64(d) / 1e6 }
func since(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }
