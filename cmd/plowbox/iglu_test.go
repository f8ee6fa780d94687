package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/plowbox/plowbox/enrich/iglu"
	"github.com/plowbox/plowbox/store"
)

// igluCentralDir is the static registry of the shared test data, from this package.
const igluCentralDir = "../../../shared/testdata/iglu-central"

// resolverFile writes a resolver configuration with one HTTP repository per URI.
func resolverFile(t *testing.T, uris ...string) string {
	t.Helper()
	var repos []string
	for i, u := range uris {
		repos = append(repos, fmt.Sprintf(`{"name":"Test %d","priority":%d,"vendorPrefixes":[],"connection":{"http":{"uri":%q}}}`, i, i, u))
	}
	doc := `{"schema":"iglu:com.snowplowanalytics.iglu/resolver-config/jsonschema/1-0-3","data":{"cacheSize":500,"cacheTtl":600,"repositories":[` +
		strings.Join(repos, ",") + `]}}`
	path := filepath.Join(t.TempDir(), "resolver.json")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// emptyRegistry is a static registry directory without schemas, to override any
// PLOWBOX_IGLU_DIR of the environment.
func emptyRegistry(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "schemas"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// linkClick sends a link_click unstructured event through GET /i, with a web_page
// entity when page is set.
func linkClick(t *testing.T, p *instance, schema, data string, page bool) int {
	t.Helper()
	q := url.Values{"e": {"ue"}, "p": {"web"}, "tv": {"js-3.5.0"}, "aid": {"shop"}}
	q.Set("ue_pr", `{"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0","data":{"schema":"`+schema+`","data":`+data+`}}`)
	if page {
		q.Set("co", `{"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1","data":[{"schema":"iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0","data":{"id":"a0b5d8d9-6c3b-4b55-9b2b-7c1d3b1f4e22"}}]}`)
	}
	status, _ := p.get(t, "/i?"+q.Encode())
	return status
}

// lastBadRow returns the bad row JSON of the newest /micro/bad entry.
func lastBadRow(t *testing.T, p *instance) string {
	t.Helper()
	var bad []badEvent
	p.getJSON(t, "/micro/bad", &bad)
	if len(bad) == 0 || len(bad[0].Errors) < 2 {
		t.Fatalf("no bad row: %+v", bad)
	}
	return bad[0].Errors[1]
}

// wantCounts checks /micro/all.
func wantCounts(t *testing.T, p *instance, good, bad int) {
	t.Helper()
	want := fmt.Sprintf(`{"total":%d,"good":%d,"bad":%d}`, good+bad, good, bad)
	if _, body := p.get(t, "/micro/all"); body != want {
		t.Fatalf("/micro/all = %s, want %s", body, want)
	}
}

const linkClick101 = "iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1"

// Iglu Central served over HTTP as the only repository of a resolver file.
func TestIgluHTTPRegistry(t *testing.T) {
	srv := httptest.NewServer(http.FileServer(http.Dir(igluCentralDir)))
	defer srv.Close()
	p := startPlowbox(t, "", "--auth", "none", "--iglu", resolverFile(t, srv.URL), "--iglu-dir", emptyRegistry(t), "--iglu-snapshot", "off")

	if s := linkClick(t, p, linkClick101, `{"targetUrl":"https://acme.com/"}`, true); s != 200 {
		t.Fatalf("GET /i = %d", s)
	}
	wantCounts(t, p, 1, 0)
	var good []goodEvent
	p.getJSON(t, "/micro/good", &good)
	if len(good) != 1 || len(good[0].Contexts) != 1 || *good[0].Schema != linkClick101 {
		t.Fatalf("good event: %+v", good)
	}

	linkClick(t, p, linkClick101, `{"elementId":"x"}`, true)
	wantCounts(t, p, 1, 1)
	row := lastBadRow(t, p)
	for _, s := range []string{"schema_violations", `"keyword":"required"`, `$.targetUrl: is missing but it is required`} {
		if !strings.Contains(row, s) {
			t.Errorf("missing targetUrl: bad row lacks %q: %s", s, row)
		}
	}

	linkClick(t, p, "iglu:com.acme/nope/jsonschema/1-0-0", `{}`, false)
	wantCounts(t, p, 1, 2)
	row = lastBadRow(t, p)
	for _, s := range []string{`"error":"ResolutionError"`, `"repository":"plowbox"`, `"repository":"Test 0"`, `{"error":"NotFound"}`} {
		if !strings.Contains(row, s) {
			t.Errorf("unknown schema: bad row lacks %q: %s", s, row)
		}
	}

	// The schemas fetched over HTTP were kept: the registry can go away.
	srv.Close()
	p.kill(syscall.SIGTERM)
	p = startPlowbox(t, p.Data, "--auth", "none", "--iglu", resolverFile(t, srv.URL), "--iglu-dir", emptyRegistry(t), "--iglu-snapshot", "off")
	linkClick(t, p, linkClick101, `{"targetUrl":"https://acme.com/"}`, true)
	wantCounts(t, p, 2, 2)
}

// A registry slower than --iglu-timeout neither delays the tracker much nor crashes
// plowbox: the event becomes a bad row with a RepoFailure.
func TestIgluRegistryTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	defer close(release)
	p := startPlowbox(t, "", "--auth", "none", "--iglu", resolverFile(t, srv.URL), "--iglu-dir", emptyRegistry(t), "--iglu-timeout", "300ms", "--iglu-snapshot", "off")

	start := time.Now()
	if s := linkClick(t, p, linkClick101, `{"targetUrl":"https://acme.com/"}`, false); s != 200 {
		t.Fatalf("GET /i = %d", s)
	}
	if d := time.Since(start); d < 250*time.Millisecond || d > 2*time.Second {
		t.Errorf("the tracker waited %v with a 300ms registry timeout", d)
	}
	wantCounts(t, p, 0, 1)
	row := lastBadRow(t, p)
	for _, s := range []string{`"error":"ResolutionError"`, `"error":"RepoFailure"`, `"repository":"Test 0"`} {
		if !strings.Contains(row, s) {
			t.Errorf("bad row lacks %q: %s", s, row)
		}
	}
}

// A schema published through the registry API turns the next event from bad to good,
// with no restart; under --auth basic writing needs the super key.
func TestIgluPublishWithoutRestart(t *testing.T) {
	p := startPlowbox(t, "", "--auth", "basic", "--password", "pw-for-tests", "--iglu-super-key", "super-key",
		"--iglu", resolverFile(t), "--iglu-dir", emptyRegistry(t))
	const schema = "iglu:com.acme/checkout/jsonschema/1-0-0"
	data := `{"orderId":"o-1"}`
	linkClick(t, p, schema, data, false)

	all := func() string {
		req, _ := http.NewRequest(http.MethodGet, p.URL+"/micro/all", nil)
		req.SetBasicAuth("admin", "pw-for-tests")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return b.String()
	}
	if got := all(); got != `{"total":1,"good":0,"bad":1}` {
		t.Fatalf("before publishing: %s", got)
	}
	put := func(key string) int {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPut, p.URL+"/api/schemas/com.acme/checkout/jsonschema/1-0-0",
			strings.NewReader(`{"type":"object","properties":{"orderId":{"type":"string"}},"required":["orderId"]}`))
		if key != "" {
			req.Header.Set("apikey", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := put(""); s != http.StatusUnauthorized {
		t.Errorf("PUT without a key = %d, want 401", s)
	}
	if s := put("super-key"); s != http.StatusCreated {
		t.Fatalf("PUT with the super key = %d, want 201", s)
	}
	linkClick(t, p, schema, data, false)
	if got := all(); got != `{"total":2,"good":1,"bad":1}` {
		t.Fatalf("after publishing: %s", got)
	}
	linkClick(t, p, schema, `{}`, false) // now validated: orderId is required
	if got := all(); got != `{"total":3,"good":1,"bad":2}` {
		t.Fatalf("invalid after publishing: %s", got)
	}
}

// plowbox iglu import loads Iglu Central into the built-in registry, which then
// validates offline with no other repository.
func TestIgluImportOffline(t *testing.T) {
	data := t.TempDir()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(binary, "iglu", "import", igluCentralDir, "--data", data)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("iglu import: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "new, 0 updated") || !strings.HasPrefix(stdout.String(), "imported 6") {
		t.Errorf("import report: %s", stdout.String())
	}
	if !strings.Contains(stderr.String(), "/avro/1-0-0: format avro is not validated") {
		t.Errorf("skipped files are not reported: %s", stderr.String())
	}

	p := startPlowbox(t, data, "--auth", "none", "--iglu", resolverFile(t), "--iglu-dir", emptyRegistry(t), "--iglu-snapshot", "off")
	linkClick(t, p, linkClick101, `{"targetUrl":"https://acme.com/"}`, true)
	linkClick(t, p, linkClick101, `{}`, false)
	wantCounts(t, p, 1, 1)
	if status, body := p.get(t, "/api/schemas/com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1?repr=uri"); status != 200 || body != `"`+linkClick101+`"` {
		t.Errorf("registry fetch = %d %s", status, body)
	}
}

func TestBuildIglu(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.json", `{"schema":"iglu:com.snowplowanalytics.iglu/resolver-config/jsonschema/1-0-0","data":{"cacheSize":5,"repositories":[`+
		`{"name":"Local","priority":0,"vendorPrefixes":["com.acme"],"connection":{"embedded":{"path":"/nowhere"}}}]}}`)
	placed := write("placed.json", `{"schema":"iglu:com.snowplowanalytics.iglu/resolver-config/jsonschema/1-0-3","data":{"cacheSize":5,"repositories":[`+
		`{"name":"Central","priority":0,"vendorPrefixes":[],"connection":{"http":{"uri":"http://iglucentral.com"}}},`+
		`{"name":"Local","priority":1,"vendorPrefixes":[],"connection":{"embedded":{"path":"/nowhere"}}},`+
		`{"name":"Frozen","priority":0,"vendorPrefixes":[],"connection":{"embedded":{"path":"plowbox:iglu-central"}}}]}}`)
	notJSON := write("broken.json", `{"schema":`)
	ttl101 := write("ttl.json", `{"schema":"iglu:com.snowplowanalytics.iglu/resolver-config/jsonschema/1-0-1","data":{"cacheSize":5,"cacheTtl":1,"repositories":[]}}`)
	schemasDir := filepath.Join(igluCentralDir, "schemas")

	for _, tc := range []struct {
		name    string
		cfg     igluConfig
		env     map[string]string
		err     string
		wantRep []string // repository names in lookup order for vendor com.acme, built-in first
	}{
		{name: "default", wantRep: []string{"plowbox", "Iglu Central snapshot", "Iglu Central"}},
		{name: "snapshot last", cfg: igluConfig{snapshotAt: snapshotLast}, wantRep: []string{"plowbox", "Iglu Central", "Iglu Central snapshot"}},
		{name: "snapshot off", cfg: igluConfig{snapshotAt: snapshotOff}, wantRep: []string{"plowbox", "Iglu Central"}},
		{name: "offline", cfg: igluConfig{offline: true}, wantRep: []string{"plowbox", "Iglu Central snapshot", "Kept copies"}},
		{name: "offline, snapshot last", cfg: igluConfig{offline: true, snapshotAt: snapshotLast, registryURL: "http://mine/api"},
			wantRep: []string{"plowbox", "Kept copies", "Iglu Central snapshot"}},
		{name: "file replaces the default", cfg: igluConfig{resolverFile: good}, wantRep: []string{"plowbox", "Local", "Iglu Central snapshot"}},
		{name: "file places the snapshot", cfg: igluConfig{resolverFile: placed}, wantRep: []string{"plowbox", "Frozen", "Local", "Central"}},
		{name: "file places the snapshot, offline", cfg: igluConfig{resolverFile: placed, offline: true}, wantRep: []string{"plowbox", "Frozen", "Local", "Kept copies"}},
		{name: "dir", cfg: igluConfig{dirs: []string{igluCentralDir}}, wantRep: []string{"plowbox", "Iglu Client Embedded", "Iglu Central snapshot", "Iglu Central"}},
		{name: "schemas dir itself", cfg: igluConfig{dirs: []string{schemasDir}}, wantRep: []string{"plowbox", "Iglu Client Embedded", "Iglu Central snapshot", "Iglu Central"}},
		{name: "two dirs", cfg: igluConfig{dirs: []string{igluCentralDir, schemasDir}},
			wantRep: []string{"plowbox", "Iglu Client Embedded (" + igluCentralDir + ")", "Iglu Client Embedded (" + schemasDir + ")", "Iglu Central snapshot", "Iglu Central"}},
		{name: "micro env", env: map[string]string{"MICRO_IGLU_REGISTRY_URL": "http://iglu.acme/api", "MICRO_IGLU_API_KEY": "k"},
			wantRep: []string{"plowbox", "Iglu Central snapshot", "Custom (http://iglu.acme/api)", "Iglu Central"}},
		{name: "flag wins over micro env", cfg: igluConfig{registryURL: "http://mine/api"}, env: map[string]string{"MICRO_IGLU_REGISTRY_URL": "http://iglu.acme/api"},
			wantRep: []string{"plowbox", "Iglu Central snapshot", "Custom (http://mine/api)", "Iglu Central"}},
		{name: "missing file", cfg: igluConfig{resolverFile: filepath.Join(dir, "none.json")}, err: "--iglu: read resolver configuration"},
		{name: "broken file", cfg: igluConfig{resolverFile: notJSON}, err: "not JSON"},
		{name: "cacheTtl in 1-0-1", cfg: igluConfig{resolverFile: ttl101}, err: `$.data has unknown property "cacheTtl"`},
		{name: "missing dir", cfg: igluConfig{dirs: []string{dir}}, err: "has no schemas directory"},
		{name: "bad registry url", env: map[string]string{"MICRO_IGLU_REGISTRY_URL": "iglu.acme"}, err: "--iglu-registry-url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := store.Open(t.TempDir(), store.Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			tc.cfg.timeout, tc.cfg.cacheSize = time.Second, 10
			env := func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }
			r, v, err := buildIglu(tc.cfg, st, slog.New(slog.DiscardHandler), env)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || v == nil {
				t.Fatal(err)
			}
			var names []string
			for _, repo := range r.Repositories("com.acme") {
				names = append(names, repo.Name())
			}
			if !slices.Equal(names, tc.wantRep) {
				t.Errorf("repositories %q, want %q", names, tc.wantRep)
			}
			// The snapshot, however placed, answers for a standard schema before any
			// HTTP registry is asked: only the built-in registry missed before it.
			if tc.name == "file places the snapshot" || tc.name == "default" {
				key, _ := iglu.ParseSchemaKey("iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2")
				if body, history, err := r.Lookup(t.Context(), key); err != nil || len(history) != 1 || history[0].Repository != builtinRepoName || !strings.Contains(string(body), `"client_session"`) {
					t.Errorf("client_session: %v, history %+v", err, history)
				}
			}
		})
	}
}

func TestLoadSuperKey(t *testing.T) {
	data := t.TempDir()
	var out bytes.Buffer
	if k, err := loadSuperKey(igluConfig{}, data, false, &out); err != nil || k != "" || out.Len() != 0 {
		t.Fatalf("--auth none: %q %v %q", k, err, out.String())
	}
	k1, err := loadSuperKey(igluConfig{}, data, true, &out)
	if err != nil || len(k1) != 36 || !strings.Contains(out.String(), k1) {
		t.Fatalf("first start: %q %v %q", k1, err, out.String())
	}
	out.Reset()
	k2, err := loadSuperKey(igluConfig{}, data, true, &out)
	if err != nil || k2 != k1 || out.Len() != 0 {
		t.Fatalf("second start: %q %v %q; want %q printed nothing", k2, err, out.String(), k1)
	}
	if k, _ := loadSuperKey(igluConfig{superKey: "mine"}, data, true, &out); k != "mine" {
		t.Errorf("--iglu-super-key ignored: %q", k)
	}
}
