package relay

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/follow"
)

func ptr(s string) *string { return &s }

// upstream is a collector that fails its first failures requests with 503 and records
// the others.
type upstream struct {
	mu       sync.Mutex
	failures int
	got      []string // method path?query body
	seen     chan struct{}
}

func (u *upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.failures > 0 {
		u.failures--
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	body, _ := io.ReadAll(r.Body)
	if r.URL.Query().Get("refuse") != "" {
		w.WriteHeader(http.StatusBadRequest)
	}
	u.got = append(u.got, fmt.Sprintf("%s %s?%s %s xff=%s", r.Method, r.URL.Path, r.URL.RawQuery, body, r.Header.Get("X-Forwarded-For")))
	u.seen <- struct{}{}
}

// write stores a payload with n good events.
func write(t *testing.T, st *store.Store, p *collector.Payload, n int) {
	t.Helper()
	res := &enrich.Result{Payload: p}
	for range n {
		res.Outputs = append(res.Outputs, enrich.Output{Stage: enrich.StageGood, Raw: &event.RawEvent{}, Event: new(event.Event)})
	}
	if err := st.Write(context.Background(), res); err != nil {
		t.Fatal(err)
	}
}

// Payloads are forwarded once each, in order, through upstream failures; a request
// upstream refuses is not retried.
func TestRelayForwardsInOrderThroughFailures(t *testing.T) {
	st, err := store.Open(t.TempDir(), store.Options{NoSync: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	up := &upstream{failures: 3, seen: make(chan struct{}, 100)}
	srv := httptest.NewServer(up)
	defer srv.Close()

	ts := time.Now().UTC()
	get := func(q string) *collector.Payload {
		return &collector.Payload{Schema: collector.PayloadSchema, IPAddress: "198.51.100.1", Timestamp: ts, Encoding: "UTF-8",
			Collector: "plowbox-1.0.0", Path: "/i", Querystring: q, Headers: []string{"Host: plowbox.example"}}
	}
	post := get("")
	post.Path, post.Body, post.ContentType = "/com.snowplowanalytics.snowplow/tp2", ptr(`{"data":[{"e":"pv"},{"e":"pv"}]}`), ptr("application/json")
	write(t, st, get("e=pv&n=1"), 1)
	write(t, st, post, 2) // two records, one request
	write(t, st, get("refuse=1"), 1)
	write(t, st, get("e=pv&n=3"), 1)

	r, err := New(Config{URL: srv.URL + "/prefix/"}, st, follow.Options{FromStart: true, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Follower().Run(ctx); close(done) }()
	for range 4 {
		select {
		case <-up.seen:
		case <-time.After(10 * time.Second):
			t.Fatalf("upstream got %q", up.got)
		}
	}
	for f := r.Follower(); f.Cursor() < st.LastSeq(); {
		ch := f.Progress()
		if f.Cursor() < st.LastSeq() {
			<-ch
		}
	}
	cancel()
	<-done
	want := []string{
		"GET /prefix/i?e=pv&n=1  xff=198.51.100.1",
		`POST /prefix/com.snowplowanalytics.snowplow/tp2? {"data":[{"e":"pv"},{"e":"pv"}]} xff=198.51.100.1`,
		"GET /prefix/i?refuse=1  xff=198.51.100.1",
		"GET /prefix/i?e=pv&n=3  xff=198.51.100.1",
	}
	if !slices.Equal(up.got, want) {
		t.Errorf("upstream got\n%q\nwant\n%q", up.got, want)
	}
	if s := r.Follower().Stats(); s.Failures != 3 || s.Retried == 0 || r.Refused() != 1 {
		t.Errorf("stats %+v, refused %d: want 3 failures, retries, 1 refused", s, r.Refused())
	}
}
