package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/web"
	"github.com/plowbox/plowbox/web/auth"
	"github.com/plowbox/plowbox/web/httpkit"
)

// syncBuffer is a log destination safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newMetricsServer serves plowbox's router with metrics and basic auth on a loopback port.
func newMetricsServer(t *testing.T) (*httptest.Server, *syncBuffer) {
	t.Helper()
	logs := new(syncBuffer)
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	st, err := store.Open(t.TempDir(), store.Options{NoSync: true, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	a, err := auth.NewBasicAuth("admin", "secret")
	if err != nil {
		t.Fatal(err)
	}
	sink := collector.SinkFunc(func(context.Context, *collector.Payload) error { return nil })
	reg := prometheus.NewRegistry()
	srv := httptest.NewServer(web.New(web.Config{
		Collector: collector.New(collector.DefaultConfig(), sink, log),
		Store:     st, Auth: a, MicroAPI: 4, Logger: log,
		Metrics: reg,
	}))
	t.Cleanup(srv.Close)
	return srv, logs
}

// get sends a GET, optionally with admin credentials and extra headers, and returns the
// response with its body read.
func get(t *testing.T, url string, basic bool, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if basic {
		req.SetBasicAuth("admin", "secret")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func TestMetricsEndpoint(t *testing.T) {
	srv, _ := newMetricsServer(t)
	for _, path := range []string{"/i?e=pv", "/i?e=pv", "/com.acme/v1", "/micro/all", "/micro/nope"} {
		get(t, srv.URL+path, true, nil)
	}
	get(t, srv.URL+"/micro/all", false, nil)

	if resp, _ := get(t, srv.URL+"/metrics", false, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("/metrics without credentials: %d, want 401", resp.StatusCode)
	}
	resp, body := get(t, srv.URL+"/metrics", true, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, body)
	}
	for _, want := range []string{
		`plowbox_http_requests_total{code="200",method="GET",route="collector"} 3`,
		`plowbox_http_requests_total{code="200",method="GET",route="/micro/all"} 1`,
		`plowbox_http_requests_total{code="401",method="GET",route="/micro/all"} 1`,
		`plowbox_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`plowbox_http_request_duration_seconds_count{route="collector"} 3`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// A tracker-chosen path must never become a label.
	if strings.Contains(body, "com.acme") {
		t.Errorf("/metrics has a collector path as a label:\n%s", body)
	}
}

func TestRequestID(t *testing.T) {
	srv, logs := newMetricsServer(t)
	long := strings.Repeat("a", 129)
	tests := []struct {
		name, path, incoming string
		keep                 bool // the incoming id is echoed
		none                 bool // no id at all (collector)
	}{
		{name: "generated", path: "/micro/all"},
		{name: "uuid kept", path: "/micro/all", incoming: "0f8d4a4e-3c1b-4a4e-9d3b-1f2e3d4c5b6a", keep: true},
		{name: "trace id kept", path: "/micro/good", incoming: "Root=1-67891233-abcdef012345678912345678:x_y.z", keep: true},
		{name: "spaces replaced", path: "/micro/all", incoming: "id with spaces"},
		{name: "quote replaced", path: "/micro/all", incoming: `a"b`},
		{name: "too long replaced", path: "/micro/all", incoming: long},
		{name: "collector has none", path: "/i?e=pv", incoming: "abc", none: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{}
			if tt.incoming != "" {
				h[httpkit.RequestIDHeader] = tt.incoming
			}
			resp, _ := get(t, srv.URL+tt.path, true, h)
			got := resp.Header.Get(httpkit.RequestIDHeader)
			switch {
			case tt.none:
				if got != "" {
					t.Errorf("collector answer has %s %q", httpkit.RequestIDHeader, got)
				}
			case tt.keep:
				if got != tt.incoming {
					t.Errorf("%s = %q, want the incoming %q", httpkit.RequestIDHeader, got, tt.incoming)
				}
			default:
				if len(got) != 16 || got == tt.incoming {
					t.Errorf("%s = %q, want a new 16-digit id", httpkit.RequestIDHeader, got)
				}
			}
			if !tt.none && !strings.Contains(logs.String(), got) {
				t.Errorf("no debug log line with request_id=%s in:\n%s", got, logs)
			}
		})
	}
	if strings.Contains(logs.String(), "path=/i ") {
		t.Errorf("a collector request was logged:\n%s", logs)
	}
}
