package iglu

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseResolverConfigFixtures(t *testing.T) {
	ttl := func(s int) *time.Duration { d := time.Duration(s) * time.Second; return &d }
	tests := []struct {
		file        string
		errContains string // "" for a good fixture
		check       func(t *testing.T, c *ResolverConfig)
	}{
		{"1-0-0.good.json", "", func(t *testing.T, c *ResolverConfig) {
			want := []RepositoryConfig{
				{Name: "Iglu Central", Priority: 0, VendorPrefixes: []string{"com.snowplowanalytics"}, HTTP: &HTTPConnection{URI: "http://iglucentral.com"}},
				{Name: "Local", Priority: 1, VendorPrefixes: []string{}, Embedded: &EmbeddedConnection{Path: "/iglu-local"}},
			}
			if c.CacheSize != 500 || c.CacheTTL != nil || !reflect.DeepEqual(c.Repositories, want) {
				t.Errorf("got %+v", c)
			}
		}},
		{"1-0-0.bad-apikey.json", `resolver config 1-0-0: $.data.repositories[0].connection.http has unknown property "apikey"`, nil},
		{"1-0-0.bad-negative-cache.json", "$.data.cacheSize is -1; the minimum is 0", nil},
		{"1-0-1.good.json", "", func(t *testing.T, c *ResolverConfig) {
			if k := c.Repositories[1].HTTP.APIKey; k != "4ed2d87a-6da5-48e8-a23b-36a26e61f974" {
				t.Errorf("apikey = %q", k)
			}
			if k := c.Repositories[2].HTTP.APIKey; k != "" {
				t.Errorf("null apikey = %q", k)
			}
		}},
		{"1-0-1.bad-cachettl.json", `$.data has unknown property "cacheTtl"`, nil},
		{"1-0-1.bad-float-priority.json", "$.data.repositories[0].priority must be an integer, got 0.5", nil},
		{"1-0-2.good.json", "", func(t *testing.T, c *ResolverConfig) {
			if c.CacheSize != 500 || *c.CacheTTL != 600*time.Second || c.Repositories[1].Priority != 1 {
				t.Errorf("got %+v", c)
			}
		}},
		{"1-0-2.bad-zero-ttl.json", "resolver config 1-0-2: $.data.cacheTtl is 0; the minimum is 1", nil},
		{"1-0-2.bad-two-connections.json", `$.data.repositories[0].connection must have exactly one of "embedded" or "http"`, nil},
		{"1-0-3.good.json", "", func(t *testing.T, c *ResolverConfig) {
			if c.Version != (SchemaVer{1, 0, 3}) || c.CacheSize != 0 || !reflect.DeepEqual(c.CacheTTL, ttl(0)) {
				t.Errorf("got %+v", c)
			}
		}},
		{"1-0-3.good-null-ttl.json", "", func(t *testing.T, c *ResolverConfig) {
			if c.CacheTTL != nil || len(c.Repositories) != 0 {
				t.Errorf("got %+v", c)
			}
		}},
		{"1-0-3.bad-missing-repositories.json", "$.data.repositories is required", nil},
		{"1-0-3.bad-missing-name.json", "$.data.repositories[0].name is required", nil},
		{"1-0-3.bad-extra-property.json", `$.data.repositories[0].connection.embedded has unknown property "readonly"`, nil},
		{"1-0-3.bad-uri.json", `"iglucentral.com" is not an absolute URI`, nil},
		{"1-0-3.bad-prefixes.json", "$.data.repositories[0].vendorPrefixes must be an array of strings, got string", nil},
		{"bad-version.json", "want iglu:com.snowplowanalytics.iglu/resolver-config/jsonschema/1-0-0 to 1-0-3", nil},
		{"bad-schema.json", "$.schema is iglu:com.acme/resolver-config/jsonschema/1-0-0", nil},
		{"bad-not-json.json", "resolver config: not JSON", nil},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		seen[tt.file] = true
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "configs", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := ParseResolverConfig(data)
			if tt.errContains != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errContains) {
					t.Fatalf("error = %v, want one containing %q", err, tt.errContains)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseResolverConfig: %v", err)
			}
			tt.check(t, cfg)
		})
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "configs", "*.json"))
	for _, f := range files {
		if !seen[filepath.Base(f)] {
			t.Errorf("fixture %s has no test case", f)
		}
	}
}

func TestRepositoriesFromConfig(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "configs", "1-0-1.good.json"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseResolverConfig(data)
	if err != nil {
		t.Fatal(err)
	}
	repos := append(RepositoriesFromConfig(cfg, time.Second, nil), NewEmbeddedRepository("Iglu Client Embedded", 0, nil, "/config/iglu-client-embedded"))
	r := NewResolver(Options{Repositories: repos, Logger: discardLogger()})
	var names []string
	for _, repo := range r.Repositories("com.acme.shop") {
		names = append(names, repo.Name())
	}
	want := []string{"Private", "Iglu Client Embedded", "Iglu Central", "Null key"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("order = %v, want %v", names, want)
	}
	if h := repos[1].(*HTTPRepository); h.URI() != "https://iglu.acme.com/api" || h.apikey == "" {
		t.Errorf("Private repository = %+v", h)
	}
}
