package iglu

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plowbox/plowbox/enrich/badrows"
)

const linkClick = "iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1"

func TestResolverFindsOverHTTP(t *testing.T) {
	reg := newRegistry(t)
	r := NewResolver(Options{CacheSize: 10, Repositories: []Repository{reg.httpRepo("Iglu Central", 0)}, Logger: discardLogger()})
	body, _, err := r.Lookup(context.Background(), mustKey(t, linkClick))
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	want, err := os.ReadFile(filepath.Join(igluCentral, "schemas/com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1"))
	if err != nil {
		t.Fatal(err)
	}
	if string(body) != string(want) {
		t.Errorf("Lookup returned %d bytes, want the stored schema (%d bytes) verbatim", len(body), len(want))
	}
}

func TestResolverUnknownSchemaHistory(t *testing.T) {
	reg := newRegistry(t)
	clock := newFakeClock()
	r := NewResolver(Options{
		CacheSize: 10,
		Repositories: []Repository{
			reg.httpRepo("Iglu Central", 0),
			NewEmbeddedRepository("Iglu Client Embedded", 0, nil, t.TempDir()),
		},
		Now: clock.Now, Logger: discardLogger(),
	})
	_, hist, err := r.Lookup(context.Background(), mustKey(t, "iglu:com.acme/nope/jsonschema/1-0-0"))
	var rerr *ResolutionError
	if !errors.As(err, &rerr) {
		t.Fatalf("Lookup error = %v, want a *ResolutionError", err)
	}
	at := time.Date(2026, 4, 2, 10, 15, 30, 123000000, time.UTC)
	want := []badrows.LookupHistory{
		{Repository: "Iglu Client Embedded", Errors: []badrows.RegistryError{{Error: "NotFound"}}, Attempts: 1, LastAttempt: at},
		{Repository: "Iglu Central", Errors: []badrows.RegistryError{{Error: "NotFound"}}, Attempts: 1, LastAttempt: at},
	}
	if !reflect.DeepEqual(hist, want) || !reflect.DeepEqual(rerr.History, want) {
		t.Errorf("history = %+v\nwant %+v", hist, want)
	}
	if rerr.Unreachable() {
		t.Error("Unreachable() = true for NotFound answers")
	}
	if got := rerr.ClientError().Error; got != "ResolutionError" {
		t.Errorf("ClientError().Error = %q", got)
	}
}

func TestResolverTimeoutIsRepoFailure(t *testing.T) {
	reg := newRegistry(t)
	r := NewResolver(Options{CacheSize: 10, Repositories: []Repository{reg.hangingRepo("Slow")}, Logger: discardLogger()})
	start := time.Now()
	_, hist, err := r.Lookup(context.Background(), mustKey(t, linkClick))
	elapsed := time.Since(start)
	if err == nil {
		t.Fatal("Lookup against a hanging registry succeeded")
	}
	if elapsed > 2*time.Second {
		t.Errorf("Lookup took %v with a 200ms timeout", elapsed)
	}
	if len(hist) != 1 || hist[0].Errors[0].Error != "RepoFailure" || !strings.Contains(hist[0].Errors[0].Message, "no response within 200ms") {
		t.Errorf("history = %+v, want one RepoFailure naming the timeout", hist)
	}
	if st := r.Status(); len(st) != 1 || !st[0].Unreachable {
		t.Errorf("Status() = %+v, want the repository unreachable", st)
	}
}

func TestResolverRepoFailureNotCached(t *testing.T) {
	reg := newRegistry(t)
	reg.status.Store(http.StatusInternalServerError)
	r := NewResolver(Options{CacheSize: 10, Repositories: []Repository{reg.httpRepo("Flaky", 0)}, Logger: discardLogger()})
	key := mustKey(t, linkClick)
	ctx := context.Background()

	for attempt := 1; attempt <= 2; attempt++ {
		_, hist, err := r.Lookup(ctx, key)
		if err == nil {
			t.Fatalf("attempt %d: Lookup succeeded against a failing registry", attempt)
		}
		if got := reg.hits.Load(); got != int64(attempt) {
			t.Errorf("attempt %d: registry asked %d times; failures must not be cached", attempt, got)
		}
		want := badrows.RegistryError{Error: "RepoFailure", Message: "GET " + reg.URL + "/schemas/" + key.Path() + ": unexpected server response 500"}
		if len(hist) != 1 || hist[0].Attempts != attempt || !reflect.DeepEqual(hist[0].Errors, []badrows.RegistryError{want}) {
			t.Errorf("attempt %d: history = %+v, want %d attempts of %+v", attempt, hist, attempt, want)
		}
	}
	reg.status.Store(0)
	for range 2 {
		if _, _, err := r.Lookup(ctx, key); err != nil {
			t.Fatalf("Lookup after recovery: %v", err)
		}
	}
	if got := reg.hits.Load(); got != 3 {
		t.Errorf("registry asked %d times, want 3 (the recovered lookup is cached)", got)
	}
}

func TestResolverClientFailure(t *testing.T) {
	reg := newRegistry(t)
	reg.status.Store(http.StatusForbidden)
	r := NewResolver(Options{CacheSize: 10, Repositories: []Repository{reg.httpRepo("Private", 0)}, Logger: discardLogger()})
	_, hist, err := r.Lookup(context.Background(), mustKey(t, linkClick))
	if err == nil || len(hist) != 1 || hist[0].Errors[0].Error != "ClientFailure" {
		t.Errorf("Lookup = %v, %+v; want a ClientFailure", err, hist)
	}
}

func TestResolverCacheTTL(t *testing.T) {
	reg := newRegistry(t)
	clock := newFakeClock()
	r := NewResolver(Options{CacheSize: 10, CacheTTL: time.Minute, Repositories: []Repository{reg.httpRepo("Iglu Central", 0)}, Now: clock.Now, Logger: discardLogger()})
	ctx := context.Background()
	found, missing := mustKey(t, linkClick), mustKey(t, "iglu:com.acme/nope/jsonschema/1-0-0")
	steps := []struct {
		name    string
		advance time.Duration
		key     SchemaKey
		hits    int64
	}{
		{"first lookup asks", 0, found, 1},
		{"cached hit", 59 * time.Second, found, 1},
		{"expired hit asks again", time.Second, found, 2},
		{"first miss asks", 0, missing, 3},
		{"cached miss", 30 * time.Second, missing, 3},
		{"expired miss asks again", 30 * time.Second, missing, 4},
	}
	for _, s := range steps {
		clock.Advance(s.advance)
		r.Lookup(ctx, s.key)
		if got := reg.hits.Load(); got != s.hits {
			t.Errorf("%s: registry asked %d times in all, want %d", s.name, got, s.hits)
		}
	}
}

func TestResolverInvalidateAndFlush(t *testing.T) {
	mem := NewMemoryRepository("plowbox")
	r := NewResolver(Options{CacheSize: 10, Builtin: mem, Logger: discardLogger()})
	key := mustKey(t, "iglu:com.acme/thing/jsonschema/1-0-0")
	ctx := context.Background()
	if _, _, err := r.Lookup(ctx, key); err == nil {
		t.Fatal("Lookup of an absent schema succeeded")
	}
	mem.Put(key, []byte(`{"type":"object"}`))
	if _, _, err := r.Lookup(ctx, key); err == nil {
		t.Fatal("a cached miss should hide a schema written without Invalidate")
	}
	r.Invalidate(key)
	body, _, err := r.Lookup(ctx, key)
	if err != nil || string(body) != `{"type":"object"}` {
		t.Fatalf("after Invalidate: %q, %v", body, err)
	}
	mem.Put(key, []byte(`{"type":"string"}`))
	r.Flush()
	if body, _, _ := r.Lookup(ctx, key); string(body) != `{"type":"string"}` {
		t.Errorf("after Flush: %q, want the new schema", body)
	}
}

func TestResolverCacheSizeEvicts(t *testing.T) {
	reg := newRegistry(t)
	r := NewResolver(Options{CacheSize: 1, Repositories: []Repository{reg.httpRepo("Iglu Central", 0)}, Logger: discardLogger()})
	ctx := context.Background()
	a, b := mustKey(t, linkClick), mustKey(t, "iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0")
	for _, k := range []SchemaKey{a, b, a} {
		r.Lookup(ctx, k)
	}
	if got := reg.hits.Load(); got != 3 {
		t.Errorf("registry asked %d times, want 3 (a cache of one evicts)", got)
	}
}

func TestResolverOrder(t *testing.T) {
	var mu sync.Mutex
	var calls []string
	repo := func(name string, prio int, class Class, prefixes ...string) Repository {
		return recordingRepo{name: name, priority: prio, prefixes: prefixes, class: class, calls: &calls, mu: &mu}
	}
	r := NewResolver(Options{
		CacheSize: 10,
		Builtin:   repo("plowbox", 9, ClassHTTP),
		Repositories: []Repository{
			repo("http-0", 0, ClassHTTP),
			repo("http-acme-2", 2, ClassHTTP, "com.acme"),
			repo("embedded-1", 1, ClassEmbedded),
			repo("http-acme-1", 1, ClassHTTP, "com.acme"),
			repo("embedded-acme-5", 5, ClassEmbedded, "com.ac"),
			repo("embedded-0", 0, ClassEmbedded, "org.other"),
		},
		Logger: discardLogger(),
	})
	_, hist, _ := r.Lookup(context.Background(), mustKey(t, "iglu:com.acme/x/jsonschema/1-0-0"))
	want := []string{"plowbox", "embedded-acme-5", "http-acme-1", "http-acme-2", "embedded-0", "embedded-1", "http-0"}
	if !reflect.DeepEqual(calls, want) {
		t.Errorf("lookup order = %v\nwant %v", calls, want)
	}
	var names []string
	for _, h := range hist {
		names = append(names, h.Repository)
	}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("history order = %v, want %v", names, want)
	}
}

func TestResolverStopsAtFirstHit(t *testing.T) {
	reg := newRegistry(t)
	r := NewResolver(Options{
		CacheSize: 10,
		Repositories: []Repository{
			NewEmbeddedRepository("Local", 5, nil, igluCentral),
			reg.httpRepo("Iglu Central", 0),
		},
		Logger: discardLogger(),
	})
	if _, _, err := r.Lookup(context.Background(), mustKey(t, linkClick)); err != nil {
		t.Fatal(err)
	}
	if got := reg.hits.Load(); got != 0 {
		t.Errorf("HTTP registry asked %d times; the embedded repository comes first and has the schema", got)
	}
}

func TestResolverOnFound(t *testing.T) {
	reg := newRegistry(t)
	builtin := NewMemoryRepository("plowbox")
	builtin.Put(mustKey(t, "iglu:com.acme/x/jsonschema/1-0-0"), []byte(`{}`))
	var found []string
	r := NewResolver(Options{
		CacheSize: 10, Builtin: builtin, Repositories: []Repository{reg.httpRepo("Iglu Central", 0)},
		OnFound: func(key SchemaKey, repo Repository, schema []byte) {
			found = append(found, repo.Name()+" "+key.String())
		},
		Logger: discardLogger(),
	})
	for _, uri := range []string{linkClick, "iglu:com.acme/x/jsonschema/1-0-0", linkClick} {
		if _, _, err := r.Lookup(context.Background(), mustKey(t, uri)); err != nil {
			t.Fatal(err)
		}
	}
	if want := []string{"Iglu Central " + linkClick}; !reflect.DeepEqual(found, want) {
		t.Errorf("OnFound calls = %v, want %v", found, want)
	}
}

func TestEmbeddedRepository(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, body string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("schemas/com.myvendor/myschema/jsonschema/1-0-0", `{"type":"object"}`)
	write("schemas/com.myvendor/broken/jsonschema/1-0-0", `{not json`)
	write("secret/jsonschema/1-0-0", `{"secret":true}`)
	repo := NewEmbeddedRepository("Iglu Client Embedded", 0, nil, dir)
	ctx := context.Background()
	tests := []struct {
		key  SchemaKey
		body string
		kind string // "" when found
	}{
		{SchemaKey{"com.myvendor", "myschema", "jsonschema", SchemaVer{1, 0, 0}}, `{"type":"object"}`, ""},
		{SchemaKey{"com.myvendor", "myschema", "jsonschema", SchemaVer{1, 0, 1}}, "", "NotFound"},
		{SchemaKey{"com.myvendor", "broken", "jsonschema", SchemaVer{1, 0, 0}}, "", "ClientFailure"},
		// Keys are validated when parsed; a hand-built one is refused too.
		{SchemaKey{"..", "secret", "jsonschema", SchemaVer{1, 0, 0}}, "", "ClientFailure"},
		{SchemaKey{"com.myvendor", "../../secret", "jsonschema", SchemaVer{1, 0, 0}}, "", "ClientFailure"},
	}
	for _, tt := range tests {
		body, err := repo.Lookup(ctx, tt.key)
		if tt.kind == "" {
			if err != nil || string(body) != tt.body {
				t.Errorf("%s: %q, %v; want %q", tt.key, body, err, tt.body)
			}
			continue
		}
		if got := registryError(err).Error; got != tt.kind {
			t.Errorf("%s: error %v classed %s, want %s", tt.key, err, got, tt.kind)
		}
	}
	missing := NewEmbeddedRepository("none", 0, nil, filepath.Join(dir, "absent"))
	if _, err := missing.Lookup(ctx, tests[0].key); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing directory: %v, want ErrNotFound", err)
	}
}

func TestIgluServerAPIKey(t *testing.T) {
	reg := newRegistry(t)
	reg.apikey.Store("4ed2d87a-6da5-48e8-a23b-36a26e61f974")
	ctx := context.Background()
	key := mustKey(t, linkClick)
	without := NewHTTPRepository(HTTPOptions{Name: "no key", URI: reg.URL + "/"})
	if _, err := without.Lookup(ctx, key); registryError(err).Error != "ClientFailure" {
		t.Errorf("without apikey: %v, want a ClientFailure (401)", err)
	}
	custom, err := CustomRegistry(reg.URL, "4ed2d87a-6da5-48e8-a23b-36a26e61f974", time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	if custom.Name() != "Custom ("+reg.URL+")" || custom.Priority() != 0 || len(custom.VendorPrefixes()) != 0 {
		t.Errorf("CustomRegistry = %q priority %d prefixes %v", custom.Name(), custom.Priority(), custom.VendorPrefixes())
	}
	if _, err := custom.Lookup(ctx, key); err != nil {
		t.Errorf("with apikey: %v", err)
	}
	if _, err := CustomRegistry("iglu.example.com", "", 0, nil); err == nil {
		t.Error("CustomRegistry accepted a URL without a scheme")
	}
}

func TestResolverConcurrentLookups(t *testing.T) {
	reg := newRegistry(t)
	r := NewResolver(Options{CacheSize: 10, Repositories: []Repository{reg.httpRepo("Iglu Central", 0)}, Logger: discardLogger()})
	v := NewValidator(r, discardLogger())
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if res := v.Validate(context.Background(), linkClick, []byte(`{"targetUrl":"x"}`)); res.Error != nil {
				t.Errorf("Validate: %+v", res.Error)
			}
		})
	}
	wg.Wait()
	if got := reg.hits.Load(); got != 1 {
		t.Errorf("registry asked %d times for concurrent lookups of one key, want 1", got)
	}
}

func TestRegistryErrorTruncated(t *testing.T) {
	re := registryError(repoFailure(nil, "%s", strings.Repeat("x", 400)))
	if n := len([]rune(re.Message)); n != maxRegistryMessage || !strings.HasSuffix(re.Message, "…") {
		t.Errorf("message of %d characters, want %d ending in …", n, maxRegistryMessage)
	}
	if re := registryError(errors.New("boom")); re.Error != "RepoFailure" || re.Message != "boom" {
		t.Errorf("plain error classed %+v, want a RepoFailure", re)
	}
}
