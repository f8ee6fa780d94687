package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// chromiumPath is Debian's chromium, which the browser test drives.
const chromiumPath = "/usr/bin/chromium"

// browserDeps returns the browser test's npm directory, failing (in CI) or skipping (on
// a laptop) when chromium or the npm packages are missing.
func browserDeps(t *testing.T) string {
	t.Helper()
	dir, _ := filepath.Abs("testdata/browser")
	var missing []string
	if _, err := os.Stat(chromiumPath); err != nil {
		missing = append(missing, "chromium ("+chromiumPath+"; apt-get install chromium)")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "playwright-core")); err != nil {
		missing = append(missing, "npm packages (npm ci --prefix cmd/plowbox/testdata/browser)")
	}
	if len(missing) > 0 {
		msg := "browser test needs " + strings.Join(missing, " and ")
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return dir
}

// TestBrowser runs a real browser against the real binary: the Snowplow browser tracker
// on a page of another origin sends page views, a self-describing event with an entity
// and a link click to plowbox (CORS with credentials); the explorer then finds and shows
// them, its live tail shows new events, and hostile event data stays inert. Screenshots
// (laptop and phone) land in artifacts/screenshots at the repository root.
func TestBrowser(t *testing.T) {
	dir := browserDeps(t)
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	p := startPlowbox(t, "", "--auth", "none", "--event-log=false")

	// The shop page: its own origin, serving the tracker's browser bundles from npm.
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

	shots, _ := filepath.Abs("../../artifacts/screenshots")
	cmd := exec.CommandContext(t.Context(), "node", filepath.Join(dir, "run.mjs"), p.URL, page.URL, shots)
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromiumPath)
	cmd.WaitDelay = 5 * time.Second
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("browser run: %v\n%s\nplowbox log:\n%s", err, stderr.String(), p.stderr.String())
	}
	var res struct {
		Checks      []string `json:"checks"`
		Screenshots []string `json:"screenshots"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("browser run output %q: %v", out, err)
	}
	t.Logf("%d browser checks passed; screenshots: %s", len(res.Checks), strings.Join(res.Screenshots, ", "))

	// What the browser sent, as plowbox stored it.
	var good []goodEvent
	p.getJSON(t, "/micro/good", &good)
	bySchema := map[string]goodEvent{}
	for _, g := range good {
		if g.Schema != nil {
			bySchema[*g.Schema] = g
		}
	}
	click, ok := bySchema["iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1"]
	if !ok {
		t.Fatalf("no link_click event among %d good events", len(good))
	}
	data := click.Event["unstruct_event"].(map[string]any)["data"].(map[string]any)["data"].(map[string]any)
	if !strings.HasSuffix(data["targetUrl"].(string), "#docs-section") || data["elementId"] != "docs" {
		t.Errorf("link click data = %v", data)
	}
	cart, ok := bySchema["iglu:com.snowplowanalytics.snowplow/add_to_cart/jsonschema/1-0-0"]
	if !ok {
		t.Fatal("no add_to_cart event")
	}
	if !strings.Contains(strings.Join(cart.Contexts, " "), "iglu:com.google.analytics/cookies/jsonschema/1-0-0") {
		t.Errorf("add_to_cart entities = %v", cart.Contexts)
	}
	if cart.Event["app_id"] != "browser-test" || cart.Event["page_urlhost"] != strings.TrimPrefix(page.URL, "http://")[:len("127.0.0.1")] {
		t.Errorf("add_to_cart app_id %v, page_urlhost %v", cart.Event["app_id"], cart.Event["page_urlhost"])
	}
}
