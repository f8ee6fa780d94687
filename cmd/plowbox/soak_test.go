package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plowbox/plowbox/store"
)

// The soak test, on demand (PLOWBOX_SOAK=1): GET /i events at a steady rate
// (PLOWBOX_SOAK_RATE per second, default 3,500: half of the measured peak) for
// PLOWBOX_SOAK_DURATION (default 30m) with retention on (a 256 MB byte budget), sampling
// the process's RSS, the Go heap, its goroutines and the disk it uses, 30 times. It
// prints the curve and fails when the goroutines or the heap keep growing, when the disk
// passes its cap (watched every 250 ms) or when the records kept dwindle.
func TestSoak(t *testing.T) {
	if os.Getenv("PLOWBOX_SOAK") != "1" {
		t.Skip("PLOWBOX_SOAK=1 runs the soak test")
	}
	duration, rate := 30*time.Minute, 3500
	if v := os.Getenv("PLOWBOX_SOAK_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		duration = d
	}
	if v := os.Getenv("PLOWBOX_SOAK_RATE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatal(err)
		}
		rate = n
	}
	const budget = 256 << 20
	p := startPlowbox(t, "", "--auth", "none", "--event-log=false", "--retention-bytes", strconv.Itoa(budget))

	var sent, ok, failed atomic.Int64
	stop := make(chan struct{})
	start := time.Now()
	var wg sync.WaitGroup
	const workers = 32
	tick := time.Second / time.Duration(max(rate/workers, 1))
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(tick)
			defer t.Stop()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-t.C:
				}
				sent.Add(1)
				resp, err := client.Get(fmt.Sprintf("%s/i?e=pv&p=web&tv=soak&aid=soak&url=https%%3A%%2F%%2Fshop.example%%2Fp%d&uid=u%d", p.URL, i, w))
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					ok.Add(1)
				} else {
					failed.Add(1)
				}
			}
		}()
	}

	type sample struct {
		at                   time.Duration
		rss, heap, disk      int64
		file, index          int64 // the bbolt file and the index directory, within disk
		reserve              int64 // what the budget sets aside for the index
		goroutines, requests int64
		stored               int
	}
	// The disk is also watched between samples: an index merge can swing it for seconds.
	var diskPeak atomic.Int64
	var diskPeakAt atomic.Int64
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		tk := time.NewTicker(250 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tk.C:
			}
			if d := store.DirBytes(p.Data); d > diskPeak.Load() {
				diskPeak.Store(d)
				diskPeakAt.Store(int64(time.Since(start)))
			}
		}
	}()
	var samples []sample
	every := duration / 30
	timer := time.NewTicker(every)
	t.Logf("%8s %10s %10s %10s %11s %9s %9s %10s %10s %10s", "time", "RSS MB", "heap MB", "goroutines", "disk MB", "bbolt MB", "index MB", "reserve MB", "events/s", "stored")
	var lastReq int64
	for len(samples) < 30 {
		<-timer.C
		m := scrape(t, p.URL+"/metrics")
		s := sample{at: time.Since(start).Round(time.Second), rss: rssOf(t, p.cmd.Process.Pid), heap: int64(m["go_memstats_heap_inuse_bytes"]),
			goroutines: int64(m["go_goroutines"]), disk: store.DirBytes(p.Data), requests: ok.Load(),
			file: store.DirBytes(filepath.Join(p.Data, store.FileName)), index: store.DirBytes(filepath.Join(p.Data, "index")),
			reserve: int64(m["plowbox_retention_index_reserve_bytes"])}
		var c struct{ Total int }
		p.getJSON(t, "/micro/all", &c)
		s.stored = c.Total
		t.Logf("%8s %10.1f %10.1f %10d %11.1f %9.1f %9.1f %10.1f %10.0f %10d", s.at, megabytes(s.rss), megabytes(s.heap), s.goroutines, megabytes(s.disk), megabytes(s.file), megabytes(s.index), megabytes(s.reserve), float64(s.requests-lastReq)/every.Seconds(), s.stored)
		lastReq = s.requests
		samples = append(samples, s)
	}
	close(stop)
	wg.Wait()
	<-watchDone
	t.Logf("%d requests sent in %s (%.0f/s), %d answered 200, %d failed", sent.Load(), duration, float64(sent.Load())/duration.Seconds(), ok.Load(), failed.Load())
	t.Logf("disk watched every 250 ms: peak %.1f MB at %s, budget %.1f MB", megabytes(diskPeak.Load()), time.Duration(diskPeakAt.Load()).Round(time.Second), megabytes(budget))

	// Flat: the last third of the run against the middle third (the first third warms up).
	third := len(samples) / 3
	peak := func(ss []sample, f func(sample) int64) (m int64) {
		for _, s := range ss {
			m = max(m, f(s))
		}
		return m
	}
	for _, c := range []struct {
		name  string
		f     func(sample) int64
		slack float64
	}{
		{"goroutines", func(s sample) int64 { return s.goroutines }, 1.5},
		{"heap", func(s sample) int64 { return s.heap }, 1.5},
		{"RSS", func(s sample) int64 { return s.rss }, 1.5},
	} {
		mid, last := peak(samples[third:2*third], c.f), peak(samples[2*third:], c.f)
		if float64(last) > float64(mid)*c.slack {
			t.Errorf("%s grows: peak %d in the middle third, %d in the last", c.name, mid, last)
		}
	}
	// Retention keeps a steady number of records rather than deleting more and more.
	least := func(ss []sample) int {
		m := ss[0].stored
		for _, s := range ss {
			m = min(m, s.stored)
		}
		return m
	}
	if mid, last := least(samples[third:2*third]), least(samples[2*third:]); last < mid*3/4 {
		t.Errorf("retention keeps fewer and fewer records: at least %d in the middle third, %d in the last", mid, last)
	}
	if d := max(diskPeak.Load(), peak(samples, func(s sample) int64 { return s.disk })); d > budget {
		t.Errorf("the disk reached %d bytes, over the %d budget", d, budget)
	}
	if failed.Load() > 0 {
		t.Errorf("%d requests failed", failed.Load())
	}
}

// scrape reads the unlabelled samples of a Prometheus text page.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.HasPrefix(name, "#") || strings.Contains(name, "{") {
			continue
		}
		if v, err := strconv.ParseFloat(value, 64); err == nil {
			out[name] = v
		}
	}
	return out
}

// rssOf reads the resident set size of process pid (Linux).
func rssOf(t *testing.T, pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func megabytes(n int64) float64 { return float64(n) / 1e6 }
