// Package loadgen measures plowbox: Run drives a real plowbox process over loopback
// HTTP beside a do-nothing handler (throughput, latency at a fixed rate, peak RSS, start
// time), and RunIndex builds a store of generated web events and measures the search
// index over it. Figures are reports, never assertions.
package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/plowbox/plowbox/store"
)

// Config is what Run can be told.
type Config struct {
	// Binary is the plowbox binary to measure; empty for the running one.
	Binary string
	// Duration is the length of each throughput run.
	Duration time.Duration
	// Concurrency is the number of concurrent connections of each throughput run.
	Concurrency int
	// Rate is the request rate of the latency run, per second.
	Rate int
	// NoSync runs plowbox with --no-sync.
	NoSync bool
	// EventLog runs plowbox with its per-event GOOD/BAD log on.
	EventLog bool
	// Profile, when set, is where a CPU profile of the server during the latency run
	// is written.
	Profile string
}

// Run starts a real plowbox on a loopback port, with a fresh data directory and fsync
// on, and measures it beside a do-nothing HTTP handler in the same run: single-event
// GET /i throughput, TP2 batches of 10, latency at a fixed rate, peak RSS and start time.
// It writes the figures to stdout.
func Run(ctx context.Context, cfg Config, stdout io.Writer) error {
	if cfg.Binary == "" {
		self, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find own binary: %w", err)
		}
		cfg.Binary = self
	}
	data, err := os.MkdirTemp("", "plowbox-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(data)

	// The do-nothing baseline: same listener type, same client, no work.
	nop, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	pixel := []byte("GIF89a")
	nopSrv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "image/gif")
		w.Write(pixel)
	})}
	go nopSrv.Serve(nop)
	defer nopSrv.Close()

	port, err := freePort()
	if err != nil {
		return err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	serveArgs := []string{"serve", "--addr", addr, "--data", data, "--auth", "none", fmt.Sprintf("--event-log=%v", cfg.EventLog)}
	if cfg.NoSync {
		serveArgs = append(serveArgs, "--no-sync")
	}
	cmd := exec.CommandContext(ctx, cfg.Binary, serveArgs...)
	cmd.Stderr = io.Discard
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start plowbox: %w", err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	base := "http://" + addr
	ready, err := waitReady(ctx, base+"/health", start)
	if err != nil {
		return err
	}

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Concurrency * 2, MaxConnsPerHost: 0}}
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	fmt.Fprintf(w, "plowbox bench: %s, %d connections, %s per run, fsync %v, event log %v\n", cfg.Binary, cfg.Concurrency, cfg.Duration, !cfg.NoSync, cfg.EventLog)
	fmt.Fprintf(w, "ready (GET /health 200) %.0f ms after start\n", float64(ready.Microseconds())/1000)

	query := "/i?e=pv&p=web&tv=bench-0.1&aid=bench&url=https%3A%2F%2Fshop.example%2Fp%3Fid%3D1&page=Bench&res=1920x1080&cookie=1&dtm=1712052929500"
	get := func(b string) func() (*http.Request, error) {
		return func() (*http.Request, error) { return http.NewRequest(http.MethodGet, b+query, nil) }
	}
	pid := cmd.Process.Pid
	// CPU per event is steadier than a rate on a shared machine: the do-nothing handler
	// runs in this process, so its figure is the load generator's and the handler's.
	cpu := startCPU(pid)
	nopRes := load(ctx, client, cfg, get("http://"+nop.Addr().String()))
	fmt.Fprintf(w, "do-nothing handler  GET /i      %8.0f req/s   p50 %5.2f ms  p99 %5.2f ms%s\n", nopRes.rate(), nopRes.pct(50), nopRes.pct(99), cpu.nopFigure(nopRes.ok))
	q := &queryClient{base: base}
	if err := settle(ctx, w, q); err != nil {
		return err
	}
	cpu = startCPU(pid)
	getRes := load(ctx, client, cfg, get(base))
	fmt.Fprintf(w, "plowbox (durable)   GET /i      %8.0f req/s   p50 %5.2f ms  p99 %5.2f ms  errors %d%s\n", getRes.rate(), getRes.pct(50), getRes.pct(99), getRes.errors, cpu.figure(getRes.ok, "event"))
	if r := nopRes.rate(); r > 0 {
		fmt.Fprintf(w, "plowbox GET /i at %.2f × the do-nothing handler\n", getRes.rate()/r)
	}

	body := tp2Batch(10)
	post := func() (*http.Request, error) {
		r, err := http.NewRequest(http.MethodPost, base+"/com.snowplowanalytics.snowplow/tp2", bytes.NewReader(body))
		if err == nil {
			r.Header.Set("Content-Type", "application/json; charset=UTF-8")
		}
		return r, err
	}
	if err := settle(ctx, w, q); err != nil {
		return err
	}
	cpu = startCPU(pid)
	postRes := load(ctx, client, cfg, post)
	fmt.Fprintf(w, "plowbox (durable)   tp2 ×10     %8.0f events/s (%0.f req/s)  p99 %5.2f ms  errors %d%s\n", 10*postRes.rate(), postRes.rate(), postRes.pct(99), postRes.errors, cpu.figure(10*postRes.ok, "event"))

	if err := settle(ctx, w, q); err != nil {
		return err
	}
	var prof chan error
	if cfg.Profile != "" {
		prof = make(chan error, 1)
		secs := max(1, int(cfg.Duration.Seconds()))
		go func() { prof <- q.saveProfile(ctx, secs, cfg.Profile) }()
	}
	commits := q.commitStats(ctx)
	cpu = startCPU(pid)
	fixed := paced(ctx, client, cfg, get(base))
	if prof != nil {
		if err := <-prof; err != nil {
			return err
		}
	}
	commits = q.commitStats(ctx).since(commits)
	fmt.Fprintf(w, "plowbox at %d req/s GET /i: p50 %.2f ms  p99 %.2f ms  max %.2f ms  errors %d%s\n", cfg.Rate, fixed.pct(50), fixed.pct(99), fixed.pct(100), fixed.errors, cpu.figure(fixed.ok, "event"))
	if commits.n > 0 {
		fmt.Fprintf(w, "  store commits during it: %.0f, %.1f records each, %.2f ms each on average\n", commits.n, commits.records/commits.n, 1000*commits.seconds/commits.n)
	}

	if rss, err := peakRSS(cmd.Process.Pid); err == nil {
		fmt.Fprintf(w, "plowbox peak RSS %.1f MB\n", float64(rss)/1024)
	}
	fmt.Fprintf(w, "data directory %.1f MB for %d events\n", float64(store.DirBytes(data))/(1<<20), getRes.ok+10*postRes.ok+fixed.ok)
	return nil
}

type loadResult struct {
	ok, errors int
	elapsed    time.Duration
	latencies  []time.Duration
}

func (r loadResult) rate() float64 { return float64(r.ok) / r.elapsed.Seconds() }

func (r loadResult) pct(p float64) float64 {
	if len(r.latencies) == 0 {
		return 0
	}
	sort.Slice(r.latencies, func(i, j int) bool { return r.latencies[i] < r.latencies[j] })
	i := int(float64(len(r.latencies)-1) * p / 100)
	return float64(r.latencies[i].Microseconds()) / 1000
}

// do sends one request and reports its latency and success (a 2xx with its body read).
func do(client *http.Client, newReq func() (*http.Request, error)) (time.Duration, bool) {
	req, err := newReq()
	if err != nil {
		return 0, false
	}
	t := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return time.Since(t), false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return time.Since(t), resp.StatusCode/100 == 2
}

// load runs cfg.Concurrency closed-loop senders for cfg.Duration.
func load(ctx context.Context, client *http.Client, cfg Config, newReq func() (*http.Request, error)) loadResult {
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	var mu sync.Mutex
	var res loadResult
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < cfg.Concurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			ok, bad := 0, 0
			for ctx.Err() == nil {
				d, good := do(client, newReq)
				if good {
					ok++
					lat = append(lat, d)
				} else {
					bad++
				}
			}
			mu.Lock()
			res.ok += ok
			res.errors += bad
			res.latencies = append(res.latencies, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
}

// paced sends cfg.Rate requests per second for cfg.Duration, open loop, and records each
// request's latency.
func paced(ctx context.Context, client *http.Client, cfg Config, newReq func() (*http.Request, error)) loadResult {
	total := int(float64(cfg.Rate) * cfg.Duration.Seconds())
	interval := time.Second / time.Duration(cfg.Rate)
	var mu sync.Mutex
	var res loadResult
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < total && ctx.Err() == nil; i++ {
		if wait := time.Until(start.Add(time.Duration(i) * interval)); wait > 0 {
			time.Sleep(wait)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, good := do(client, newReq)
			mu.Lock()
			if good {
				res.ok++
				res.latencies = append(res.latencies, d)
			} else {
				res.errors++
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
}

// tp2Batch is a payload_data body of n page views, as the JavaScript tracker sends it.
func tp2Batch(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"schema":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4","data":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"e":"pv","url":"https://shop.example/p?id=%d","page":"Product %d","tv":"js-4.0.0","p":"web","aid":"bench","tna":"sp","res":"1920x1080","vp":"1280x720","cookie":"1","lang":"en-GB","dtm":"1712052929500","stm":"1712052929510"}`, i, i)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// commitStats is what the server's /metrics says of its store commits so far.
type commitStats struct{ n, records, seconds float64 }

// commitStats reads the store commit counters; zero when /metrics has none.
func (q *queryClient) commitStats(ctx context.Context) commitStats {
	var c commitStats
	c.n, _ = q.metric(ctx, "plowbox_store_commit_duration_seconds_count")
	c.seconds, _ = q.metric(ctx, "plowbox_store_commit_duration_seconds_sum")
	c.records, _ = q.metric(ctx, "plowbox_store_commit_records_sum")
	return c
}

// since is c minus the earlier reading b.
func (c commitStats) since(b commitStats) commitStats {
	return commitStats{c.n - b.n, c.records - b.records, c.seconds - b.seconds}
}

// settle waits until the server's index has caught up with its store, so that a run
// measures its own load and not the drain of the backlog the run before it left.
func settle(ctx context.Context, w io.Writer, q *queryClient) error {
	start := time.Now()
	lag, err := q.metric(ctx, "plowbox_index_lag_records")
	if err != nil {
		return fmt.Errorf("index lag: %w", err)
	}
	first := lag
	for lag > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
		if lag, err = q.metric(ctx, "plowbox_index_lag_records"); err != nil {
			return fmt.Errorf("index lag: %w", err)
		}
	}
	if first > 0 {
		fmt.Fprintf(w, "  (index caught up with %.0f records in %.0f ms before the next run)\n", first, float64(time.Since(start).Milliseconds()))
	}
	return nil
}

func waitReady(ctx context.Context, url string, start time.Time) (time.Duration, error) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start), nil
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	return 0, fmt.Errorf("plowbox did not answer %s within 10s", url)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// peakRSS returns the process's peak resident set size in KiB (VmHWM).
func peakRSS(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}
