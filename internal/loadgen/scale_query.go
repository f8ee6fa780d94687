package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// queryClient asks a plowbox server's query API.
type queryClient struct {
	base   string
	client http.Client
}

// namedQuery is one query of the mix: a name for the report and the search parameters.
type namedQuery struct {
	name, query string
}

// searchAnswer is the part of a /plowbox/api/search answer the benchmark reads.
type searchAnswer struct {
	Total uint64  `json:"total"`
	Next  *string `json:"next"`
	Hits  []struct {
		EventID string         `json:"event_id"`
		Event   map[string]any `json:"event"`
	} `json:"hits"`
}

// get fetches path and returns its body, an error unless the answer is a 200.
func (q *queryClient) get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, q.base+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := q.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", path, resp.Status, b)
	}
	return b, nil
}

// search runs one search with the query string params.
func (q *queryClient) search(ctx context.Context, params string) (searchAnswer, error) {
	var a searchAnswer
	b, err := q.get(ctx, "/plowbox/api/search?"+params)
	if err != nil {
		return a, err
	}
	if err := json.Unmarshal(b, &a); err != nil {
		return a, fmt.Errorf("search %s: %w", params, err)
	}
	return a, nil
}

// timed runs one search and returns how long the answer took, body read.
func (q *queryClient) timed(ctx context.Context, params string) (time.Duration, error) {
	t := time.Now()
	_, err := q.get(ctx, "/plowbox/api/search?"+params)
	return time.Since(t), err
}

// explorerMix returns the searches the explorer makes over the simulated site, with a
// user, a session and an event_id taken from the stored events.
func (q *queryClient) explorerMix(ctx context.Context, begin, end time.Time) ([]namedQuery, error) {
	mid := begin.Add(end.Sub(begin) / 2)
	sample, err := q.search(ctx, "size=1&kind=good&q=event_name:link_click&end="+stamp(mid))
	if err != nil {
		return nil, err
	}
	if len(sample.Hits) == 0 {
		return nil, fmt.Errorf("no link_click before %s to take a user and a session from", stamp(mid))
	}
	h := sample.Hits[0]
	user, _ := h.Event["user_id"].(string)
	session, _ := h.Event["domain_sessionid"].(string)
	page, err := q.search(ctx, "q=event_name:page_ping")
	if err != nil {
		return nil, err
	}
	if page.Next == nil {
		return nil, fmt.Errorf("no second page of page pings")
	}
	day := stamp(end.Add(-24*time.Hour)) + "&end=" + stamp(end)
	return []namedQuery{
		{"newest 50", ""},
		{"by event type", "q=event_name:page_view"},
		{"by app", "q=app_id:blog"},
		{"by app and event type, good", "q=" + url.QueryEscape("app_id:shop AND event_name:link_click") + "&kind=good"},
		{"by user", "q=" + url.QueryEscape("user_id:"+quote(user))},
		{"by session", "q=" + url.QueryEscape("domain_sessionid:"+quote(session))},
		{"by event_id", "q=" + url.QueryEscape("event_id:"+quote(h.EventID))},
		{"free text", "q=" + url.QueryEscape("summer sale")},
		{"entity field", "q=" + url.QueryEscape("contexts_com_acme_user_1.plan:team AND event_name:page_view")},
		{"bad rows", "kind=bad"},
		{"last hour", "start=" + stamp(end.Add(-time.Hour)) + "&end=" + stamp(end)},
		{"one day, by app", "q=app_id:checkout&start=" + day},
		{"facets of one day", "size=1&facets=" + explorerFacets + "&start=" + day},
		{"histogram of one day, by type", "size=1&q=event_name:page_view&interval=30m&start=" + day},
		{"second page (after cursor)", "q=event_name:page_ping&after=" + url.QueryEscape(*page.Next)},
	}, nil
}

// explorerFacets are the facets the explorer's sidebar shows beside every search.
const explorerFacets = "event_name,app_id,platform,schema,failure_type,kind"

// matchAllQuery is every record with the explorer's facets and an hourly histogram over
// the whole span, as the explorer's first page asks.
func matchAllQuery(begin, end time.Time) string {
	return "facets=" + explorerFacets + "&interval=1h&start=" + stamp(begin) + "&end=" + stamp(end.Add(time.Second))
}

// sampleMemory reads the server's Go heap from /metrics and its resident set, split into
// anonymous and file-backed memory, from /proc/PID/smaps_rollup, keeping the peaks in r.
func (q *queryClient) sampleMemory(ctx context.Context, pid int, r *scaleResult) error {
	heap, err := q.metric(ctx, "go_memstats_heap_inuse_bytes")
	if err != nil {
		return err
	}
	r.heap = max(r.heap, int64(heap))
	rss, anon, err := smapsRollup(pid)
	if err != nil {
		return err
	}
	r.rssAnon = max(r.rssAnon, anon)
	r.rssFile = max(r.rssFile, rss-anon)
	return nil
}

// metric returns the value of an unlabelled metric of the server's /metrics.
func (q *queryClient) metric(ctx context.Context, name string) (float64, error) {
	b, err := q.get(ctx, "/metrics")
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return 0, fmt.Errorf("metric %s: %w", name, err)
			}
			return f, nil
		}
	}
	return 0, fmt.Errorf("no metric %s in /metrics", name)
}

// smapsRollup returns the resident set of process pid and its anonymous part, in bytes.
func smapsRollup(pid int) (rss, anon int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("memory of plowbox: %w", err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		key, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		if err != nil {
			continue
		}
		switch key {
		case "Rss":
			rss = kb * 1024
		case "Anonymous":
			anon = kb * 1024
		}
	}
	return rss, anon, nil
}

// profile takes a CPU profile of the server (its /plowbox/debug/pprof) while the search
// params runs again and again, and writes it to path.
func (q *queryClient) profile(ctx context.Context, params, path string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() {
		for ctx.Err() == nil {
			q.timed(ctx, params)
		}
	})
	err := q.saveProfile(ctx, profileSeconds, path)
	cancel()
	wg.Wait()
	return err
}

// saveProfile takes a CPU profile of the server over secs seconds and writes it to path.
func (q *queryClient) saveProfile(ctx context.Context, secs int, path string) error {
	b, err := q.get(ctx, "/plowbox/debug/pprof/profile?seconds="+strconv.Itoa(secs))
	if err != nil {
		return fmt.Errorf("CPU profile: %w", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("CPU profile: %w", err)
	}
	return nil
}

// stamp is t as the query API's RFC 3339 time parameter.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// quote makes s one term of the query language.
func quote(s string) string { return strconv.Quote(s) }
