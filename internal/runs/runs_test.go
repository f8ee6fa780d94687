package runs

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/store"
)

func TestValidID(t *testing.T) {
	for id, want := range map[string]bool{
		"ci-42": true, "a": true, "A.b_C-9": true, strings.Repeat("x", 64): true,
		"": false, strings.Repeat("x", 65): false, "a b": false, "a/b": false, "é": false, "a%20b": false,
	} {
		if got := ValidID(id); got != want {
			t.Errorf("ValidID(%q) = %v", id, got)
		}
	}
}

// capture is a collector sink that keeps each payload with the run tag of its request.
type capture struct {
	mu   sync.Mutex
	got  []*collector.Payload
	tags []Tag
}

func (c *capture) Sink(ctx context.Context, p *collector.Payload) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, _ := FromContext(ctx)
	c.got = append(c.got, p)
	c.tags = append(c.tags, t)
	return nil
}

func TestHandlerOverHTTP(t *testing.T) {
	sink := &capture{}
	active := ""
	var seen []string
	coll := collector.New(collector.DefaultConfig(), sink, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(Handler(coll, func() string { return active }, func(id string) { seen = append(seen, id) }))
	defer srv.Close()

	tests := []struct {
		name, method, path, header, active string
		body                               string
		wantPath, wantQuery                string
		want                               Tag
	}{
		{"prefix on /i", "GET", "/run/ci-42/i?e=pv&aid=shop", "", "", "", "/i", "e=pv&aid=shop", Tag{ID: "ci-42", Source: SourcePrefix}},
		{"prefix on tp2", "POST", "/run/ci-42/com.snowplowanalytics.snowplow/tp2", "", "", `{"schema":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4","data":[]}`, "/com.snowplowanalytics.snowplow/tp2", "", Tag{ID: "ci-42", Source: SourcePrefix}},
		{"prefix on a webhook", "GET", "/run/ci-42/com.mailchimp/v1?type=subscribe", "", "", "", "/com.mailchimp/v1", "type=subscribe", Tag{ID: "ci-42", Source: SourcePrefix}},
		{"prefix wins over header and active", "GET", "/run/a/i?e=pv", "b", "c", "", "/i", "e=pv", Tag{ID: "a", Source: SourcePrefix}},
		{"header", "GET", "/i?e=pv", "ci-43", "c", "", "/i", "e=pv", Tag{ID: "ci-43", Source: SourceHeader}},
		{"active run", "GET", "/i?e=pv", "", "nightly", "", "/i", "e=pv", Tag{ID: "nightly", Source: SourceActive}},
		{"none", "GET", "/i?e=pv", "", "", "", "/i", "e=pv", Tag{}},
		{"bad id in the prefix", "GET", "/run/bad%20id/i?e=pv", "", "", "", "/i", "e=pv", Tag{Invalid: "bad id", Source: SourcePrefix}},
		{"bad id in the header", "GET", "/i?e=pv", strings.Repeat("x", 65), "", "", "/i", "e=pv", Tag{Invalid: strings.Repeat("x", 65), Source: SourceHeader}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			active = tt.active
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if tt.header != "" {
				req.Header.Set(Header, tt.header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			sink.mu.Lock()
			p, tag := sink.got[len(sink.got)-1], sink.tags[len(sink.tags)-1]
			sink.mu.Unlock()
			if p.Path != tt.wantPath || p.Querystring != tt.wantQuery {
				t.Errorf("payload path %q query %q, want %q %q", p.Path, p.Querystring, tt.wantPath, tt.wantQuery)
			}
			if tag != tt.want {
				t.Errorf("tag %+v, want %+v", tag, tt.want)
			}
		})
	}
	if strings.Join(seen, ",") != "ci-42,ci-42,ci-42,a,ci-43,nightly" {
		t.Errorf("seen %v", seen)
	}
}

func TestRegistryKeepsRuns(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir), store.Options{NoSync: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	now := func() time.Time { clock = clock.Add(time.Second); return clock }
	r, err := NewRegistry(st, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Start("bad id"); err == nil {
		t.Error("a bad id started")
	}
	a, _ := r.Start("ci-1")
	b, _ := r.Start("")
	if !ValidID(b.ID) || r.Active() != b.ID {
		t.Fatalf("generated %q, active %q", b.ID, r.Active())
	}
	if got, _ := r.Get("ci-1"); got.Active || got.Ended == nil {
		t.Errorf("starting another run did not end ci-1: %+v", got)
	}
	r.Seen("from-traffic")
	if _, ok, _ := r.End(b.ID); !ok || r.Active() != "" {
		t.Errorf("end: active %q", r.Active())
	}
	st.Close()

	st, err = store.Open(dir, store.Options{NoSync: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r2, err := NewRegistry(st, now)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, run := range r2.List() {
		ids = append(ids, run.ID)
	}
	if strings.Join(ids, ",") != "from-traffic,"+b.ID+","+a.ID {
		t.Errorf("runs after restart, newest first: %v", ids)
	}
}
