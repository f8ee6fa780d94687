package iglu

import (
	"context"
	"errors"
	"testing"
	"time"
)

// SetRepositories replaces the repositories for the very next lookup, cached misses
// included, and keeps the built-in registry first.
func TestSetRepositories(t *testing.T) {
	key, err := ParseSchemaKey("iglu:com.acme/thing/jsonschema/1-0-0")
	if err != nil {
		t.Fatal(err)
	}
	empty := func(name string) *FuncRepository {
		return &FuncRepository{RepoName: name, Prefixes: []string{}, Func: func(context.Context, SchemaKey) ([]byte, error) { return nil, ErrNotFound }}
	}
	r := NewResolver(Options{CacheSize: 10, CacheTTL: time.Hour, Builtin: empty("builtin"), Repositories: []Repository{empty("old")}})
	var rerr *ResolutionError
	if _, _, err := r.Lookup(context.Background(), key); !errors.As(err, &rerr) {
		t.Fatalf("lookup before: %v", err)
	}
	added := &FuncRepository{RepoName: "added", RepoClass: ClassHTTP, Prefixes: []string{"com.acme"},
		Func: func(context.Context, SchemaKey) ([]byte, error) { return []byte(`{"type":"object"}`), nil }}
	r.SetRepositories([]Repository{empty("old"), added})
	body, _, err := r.Lookup(context.Background(), key)
	if err != nil || string(body) != `{"type":"object"}` {
		t.Fatalf("lookup after SetRepositories: %s %v", body, err)
	}
	var names []string
	for _, repo := range r.Repositories("com.acme") {
		names = append(names, repo.Name())
	}
	if len(names) != 3 || names[0] != "builtin" || names[1] != "added" || names[2] != "old" {
		t.Errorf("lookup order %q", names)
	}
}
