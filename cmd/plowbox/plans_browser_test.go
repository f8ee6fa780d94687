package main

import (
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The real Snowplow browser tracker, in chromium on a page of another origin, sends a
// shop funnel to plowbox under a run prefix (/run/{id} in the collector URL); plowbox
// expect then passes on the plan, and its JUnit report parses.
func TestBrowserPlanFunnel(t *testing.T) {
	dir := browserDeps(t)
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	p := startPlowbox(t, "", "--auth", "none", "--event-log=false")
	p.putPlans(t, "testdata/plans/right")

	sp := filepath.Join(dir, "node_modules", "@snowplow")
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", http.FileServer(http.Dir(filepath.Join(dir, "page"))))
	mux.Handle("GET /page.js", http.FileServer(http.Dir(filepath.Join(dir, "page"))))
	mux.HandleFunc("GET /sp/browser-tracker.js", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join(sp, "browser-tracker", "dist", "index.umd.min.js"))
	})
	mux.HandleFunc("GET /sp/link-click-tracking.js", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join(sp, "browser-plugin-link-click-tracking", "dist", "index.umd.min.js"))
	})
	page := httptest.NewServer(mux)
	defer page.Close()

	cmd := exec.CommandContext(t.Context(), "node", filepath.Join(dir, "funnel.mjs"), p.URL, page.URL, "browser-1")
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromiumPath)
	cmd.WaitDelay = 5 * time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		_, bad := p.get(t, "/micro/bad")
		t.Fatalf("browser funnel: %v\n%s\nbad rows: %s", err, out, bad)
	}
	code, out, report := p.expectRun(t, "browser-1")
	if code != 0 {
		t.Fatalf("expect: exit %d\n%s", code, out)
	}
	var suite struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
	}
	if err := xml.Unmarshal(report, &suite); err != nil || suite.Tests != 4 || suite.Failures != 0 {
		t.Errorf("JUnit report (%v): %s", err, report)
	}
	if !strings.Contains(out, "PASS  add to cart follows the plan: 1 event, want at least 1") {
		t.Errorf("expect output:\n%s", out)
	}
}
