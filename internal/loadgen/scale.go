package loadgen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"time"

	"github.com/plowbox/plowbox/internal/cputime"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/index"
)

// ScaleConfig is what RunScale can be told.
type ScaleConfig struct {
	// Version is plowbox's, stamped on the generated events.
	Version string
	// Binary is the plowbox binary to serve the filled directory; empty for the running one.
	Binary string
	// Events is the number of generated events.
	Events int
	// Dir is the data directory to fill; whatever store it holds is reset.
	Dir string
	// Span is the time the generated traffic is spread over, ending now.
	Span time.Duration
	// PerRequest is the number of events per TP2 request of the generated traffic.
	PerRequest int
	// Workers is the number of goroutines enriching and writing the generated traffic.
	Workers int
	// Rounds is the number of rounds of the query mix and of the match-all query.
	Rounds int
	// Profile writes CPU profiles of the reindex and of the slowest query into Dir.
	Profile bool
}

// The goals of issue #11 at a million stored events.
const (
	goalMixP50     = 10 * time.Millisecond
	goalMixP99     = 50 * time.Millisecond
	goalMatchAll   = 100 * time.Millisecond
	goalReindex    = 30_000 // records/s
	goalHeap       = 150e6  // bytes
	goalPerEvent   = 1536   // bytes of store and index per event
	goalReady      = 100 * time.Millisecond
	profileSeconds = 5
)

// RunScale measures plowbox at scale: it fills the store in cfg.Dir with cfg.Events
// events of a simulated site (through the enricher and the store's write API, without
// fsync: the HTTP write path is what plowbox bench measures), rebuilds the search index
// from scratch as plowbox reindex does, then starts the real server over the directory on
// a loopback port and measures, through the query API, the explorer's query mix and a
// match-all query with facets and a histogram, plus start time, memory and disk. It
// writes the figures to stdout, ending with a Markdown table of each goal and its figure.
func RunScale(ctx context.Context, cfg ScaleConfig, stdout, stderr io.Writer) error {
	if cfg.Events <= 0 || cfg.PerRequest <= 0 || cfg.Rounds <= 0 || cfg.Span <= 0 {
		return errors.New("--events, --per-request, --rounds and --span must be positive")
	}
	if cfg.Dir == "" {
		return errors.New("--dir is required: the data directory to fill")
	}
	if cfg.Binary == "" {
		self, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find own binary: %w", err)
		}
		cfg.Binary = self
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	fmt.Fprintf(w, "plowbox bench scale: %d events in %s, spread over %s\n", cfg.Events, cfg.Dir, cfg.Span)
	end := time.Now().UTC().Truncate(time.Second)
	begin := end.Add(-cfg.Span)

	var r scaleResult
	if err := fillAndReindex(ctx, cfg, begin, w, stderr, &r); err != nil {
		return err
	}
	w.Flush()
	if err := serveAndQuery(ctx, cfg, begin, end, w, &r); err != nil {
		return err
	}
	r.table(w)
	return nil
}

// scaleResult holds the figures the goals table shows.
type scaleResult struct {
	records                   uint64
	storeBytes, indexBytes    int64
	reindexRate               float64
	reindexTook               time.Duration
	ready, firstQuery         time.Duration
	caughtUp                  time.Duration
	mixP50, mixP99            time.Duration
	matchAllP50, matchAllP99  time.Duration
	heap, rssAnon, rssFile    int64
	rssPeak                   int64
	slowest, profile, reindex string
}

// fillAndReindex writes the generated events into a fresh store in cfg.Dir and builds
// the search index from scratch.
func fillAndReindex(ctx context.Context, cfg ScaleConfig, begin time.Time, w *bufio.Writer, stderr io.Writer, r *scaleResult) error {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := store.Open(cfg.Dir, store.Options{NoSync: true, Logger: log})
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()
	if c := st.Counts(); c.Good+c.Bad > 0 {
		if err := st.Reset(); err != nil {
			return fmt.Errorf("reset store: %w", err)
		}
	}
	t := time.Now()
	if err := fillSite(ctx, st, cfg, begin); err != nil {
		return err
	}
	c := st.Counts()
	fmt.Fprintf(w, "fill: %d records (%d good, %d bad) through the enricher and the store's write API in %s (%.0f events/s)\n",
		c.Good+c.Bad, c.Good, c.Bad, since(t), float64(cfg.Events)/time.Since(t).Seconds())
	w.Flush()

	idxDir := filepath.Join(cfg.Dir, "index")
	if err := os.RemoveAll(idxDir); err != nil {
		return fmt.Errorf("remove search index: %w", err)
	}
	if cfg.Profile {
		r.reindex = filepath.Join(cfg.Dir, "reindex.cpu.pprof")
		f, err := os.Create(r.reindex)
		if err != nil {
			return fmt.Errorf("reindex profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("reindex profile: %w", err)
		}
	}
	runtime.GC()
	cpu0 := cputime.Self()
	t = time.Now()
	ix, err := index.Open(idxDir, st, index.Options{Logger: log, BatchSize: index.RebuildBatch})
	if err != nil {
		pprof.StopCPUProfile()
		return fmt.Errorf("open search index: %w", err)
	}
	err = ix.WaitIndexed(ctx, st.LastSeq())
	r.reindexTook = time.Since(t)
	cpu := cputime.Self() - cpu0
	pprof.StopCPUProfile()
	s := ix.Stats()
	if cerr := ix.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("reindex: %w", err)
	}
	r.records = s.Docs
	r.reindexRate = float64(s.Docs) / r.reindexTook.Seconds()
	fmt.Fprintf(w, "reindex: %d records in %s (%.0f records/s, %.0f µs of CPU per record)\n",
		s.Docs, r.reindexTook.Round(time.Millisecond), r.reindexRate, float64(cpu.Microseconds())/float64(s.Docs))
	return nil
}

// serveAndQuery starts plowbox serve over cfg.Dir and measures it through HTTP.
func serveAndQuery(ctx context.Context, cfg ScaleConfig, begin, end time.Time, w *bufio.Writer, r *scaleResult) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	logPath := filepath.Join(cfg.Dir, "serve.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return fmt.Errorf("server log: %w", err)
	}
	defer logFile.Close()
	cmd := exec.CommandContext(ctx, cfg.Binary, "serve", "--addr", addr, "--data", cfg.Dir, "--auth", "none",
		"--event-log=false", "--retention-age", "0", "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start plowbox: %w", err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	base := "http://" + addr
	if r.ready, err = waitReady(ctx, base+"/health", start); err != nil {
		return fmt.Errorf("%w (log in %s)", err, logPath)
	}
	q := &queryClient{base: base}
	lag, err := q.metric(ctx, "plowbox_index_lag_records")
	if err != nil {
		return err
	}
	if _, err := q.search(ctx, "size=1"); err != nil {
		return err
	}
	r.firstQuery = time.Since(start)
	// A clean stop leaves the index caught up; should the server still have records to
	// index (a rebuild stopped early), measure only once it has caught up.
	for left := lag; left > 0; {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if left, err = q.metric(ctx, "plowbox_index_lag_records"); err != nil {
			return err
		}
	}
	r.caughtUp = time.Since(start)
	fmt.Fprintf(w, "server: ready (GET /health 200) %.1f ms after start, first search answered after %.1f ms; %.0f records to index again at start, caught up after %.1f ms\n",
		ms(r.ready), ms(r.firstQuery), lag, ms(r.caughtUp))

	mix, err := q.explorerMix(ctx, begin, end)
	if err != nil {
		return err
	}
	lat := map[string][]time.Duration{}
	var all []time.Duration
	for range cfg.Rounds {
		for _, m := range mix {
			d, err := q.timed(ctx, m.query)
			if err != nil {
				return fmt.Errorf("query %s: %w", m.name, err)
			}
			lat[m.name] = append(lat[m.name], d)
			all = append(all, d)
		}
		if err := q.sampleMemory(ctx, cmd.Process.Pid, r); err != nil {
			return err
		}
	}
	matchAll := matchAllQuery(begin, end)
	for range cfg.Rounds {
		d, err := q.timed(ctx, matchAll)
		if err != nil {
			return fmt.Errorf("match-all query: %w", err)
		}
		lat["match-all, facets and histogram"] = append(lat["match-all, facets and histogram"], d)
	}
	if err := q.sampleMemory(ctx, cmd.Process.Pid, r); err != nil {
		return err
	}
	r.mixP50, r.mixP99 = pct(all, 50), pct(all, 99)
	r.matchAllP50, r.matchAllP99 = pct(lat["match-all, facets and histogram"], 50), pct(lat["match-all, facets and histogram"], 99)
	mix = append(mix, namedQuery{"match-all, facets and histogram", matchAll})
	var slowest namedQuery
	for _, m := range mix {
		ds := lat[m.name]
		fmt.Fprintf(w, "query %-34s p50 %8.2f ms  p99 %8.2f ms\n", m.name, ms(pct(ds, 50)), ms(pct(ds, 99)))
		if slowest.name == "" || pct(ds, 99) > pct(lat[slowest.name], 99) {
			slowest = m
		}
	}
	fmt.Fprintf(w, "query mix: %d queries, p50 %.2f ms, p99 %.2f ms\n", len(all), ms(r.mixP50), ms(r.mixP99))
	r.slowest = slowest.name
	r.storeBytes = fileSize(filepath.Join(cfg.Dir, store.FileName))
	r.indexBytes = store.DirBytes(filepath.Join(cfg.Dir, "index"))
	fmt.Fprintf(w, "disk: bbolt %.1f MB (%.0f B/record), index %.1f MB (%.0f B/record)\n",
		mb(r.storeBytes), float64(r.storeBytes)/float64(r.records), mb(r.indexBytes), float64(r.indexBytes)/float64(r.records))
	if kb, err := peakRSS(cmd.Process.Pid); err == nil {
		r.rssPeak = int64(kb) * 1024
	}
	if cfg.Profile {
		r.profile = filepath.Join(cfg.Dir, "slowest-query.cpu.pprof")
		if err := q.profile(ctx, slowest.query, r.profile); err != nil {
			return err
		}
	}
	return nil
}

// table writes the goals and their figures as a Markdown table.
func (r *scaleResult) table(w io.Writer) {
	met := func(ok bool) string {
		if ok {
			return "yes"
		}
		return "no"
	}
	perEvent := float64(r.storeBytes+r.indexBytes) / float64(r.records)
	fmt.Fprintf(w, "\n| goal at %d records | target | measured | met |\n|---|---|---|---|\n", r.records)
	fmt.Fprintf(w, "| query mix p50 | ≤ %s | %.2f ms | %s |\n", goalMixP50, ms(r.mixP50), met(r.mixP50 <= goalMixP50))
	fmt.Fprintf(w, "| query mix p99 | ≤ %s | %.2f ms | %s |\n", goalMixP99, ms(r.mixP99), met(r.mixP99 <= goalMixP99))
	fmt.Fprintf(w, "| match-all with facets and histogram, p50 (p99) | ≤ %s | %.1f ms (%.1f ms) | %s |\n", goalMatchAll, ms(r.matchAllP50), ms(r.matchAllP99), met(r.matchAllP50 <= goalMatchAll))
	fmt.Fprintf(w, "| reindex | ≥ %d records/s | %.0f records/s (%s) | %s |\n", goalReindex, r.reindexRate, r.reindexTook.Round(time.Second), met(r.reindexRate >= goalReindex))
	fmt.Fprintf(w, "| Go heap in use, peak of the samples | ≤ %.0f MB | %.0f MB | %s |\n", goalHeap/1e6, mb(r.heap), met(r.heap <= goalHeap))
	fmt.Fprintf(w, "| RSS: anonymous / file-backed (mapped bbolt and index files), peaks of the samples | | %.0f MB / %.0f MB (peak RSS %.0f MB) | |\n", mb(r.rssAnon), mb(r.rssFile), mb(r.rssPeak))
	fmt.Fprintf(w, "| store + index per record | ≤ %d B | %.0f B (bbolt %.0f + index %.0f) | %s |\n", goalPerEvent, perEvent,
		float64(r.storeBytes)/float64(r.records), float64(r.indexBytes)/float64(r.records), met(perEvent <= goalPerEvent))
	fmt.Fprintf(w, "| ready after start (GET /health 200) | ≤ %s | %.1f ms (first search %.1f ms, index caught up %.1f ms) | %s |\n", goalReady, ms(r.ready), ms(r.firstQuery), ms(r.caughtUp), met(r.ready <= goalReady))
	fmt.Fprintf(w, "\nslowest query (by p99): %s\n", r.slowest)
	if r.profile != "" {
		fmt.Fprintf(w, "CPU profiles: %s (server, slowest query), %s (reindex); read with go tool pprof -top\n", r.profile, r.reindex)
	}
}
