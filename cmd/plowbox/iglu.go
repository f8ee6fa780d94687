package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/plowbox/plowbox/enrich/iglu"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/web/igluapi"
)

// igluConfig is how plowbox serve resolves Iglu schemas (iglu.md §4).
type igluConfig struct {
	resolverFile string        // --iglu: a resolver configuration whose repositories replace the default
	dirs         []string      // --iglu-dir: static registries read from disk
	timeout      time.Duration // --iglu-timeout: bound of one HTTP schema request
	superKey     string        // --iglu-super-key: the registry's super key
	registryURL  string        // --iglu-registry-url: an extra HTTP registry
	apiKey       string        // --iglu-api-key: its apikey
	cacheSize    int           // --iglu-cache-size, unless the resolver file sets it
}

// igluOptions is the table of the Iglu options of plowbox serve.
func igluOptions(c *igluConfig) []option {
	return []option{
		{name: "iglu", aliases: []string{"i"}, usage: "Iglu resolver configuration file (resolver-config 1-0-0 to 1-0-3); its repositories replace the default Iglu Central; plowbox's own registry is always consulted first", value: str(&c.resolverFile, "")},
		{name: "iglu-dir", usage: "static Iglu registry directory holding schemas/<vendor>/<name>/jsonschema/<version> (Micro's iglu-client-embedded, or a checkout of Iglu Central); repeat or comma-separate for several", value: list(&c.dirs)},
		{name: "iglu-timeout", usage: "timeout of one schema request to an HTTP registry; a registry slower than this counts as unreachable", value: duration(&c.timeout, iglu.DefaultHTTPTimeout)},
		{name: "iglu-super-key", usage: "the registry super key: an apikey header equal to it may read and write /api/schemas under --auth basic; when empty, plowbox generates one at first start, prints it once and keeps it in the data directory", value: str(&c.superKey, "")},
		{name: "iglu-registry-url", usage: "an extra HTTP registry, tried before Iglu Central (include /api for an Iglu Server); MICRO_IGLU_REGISTRY_URL is read when this is not set", value: str(&c.registryURL, "")},
		{name: "iglu-api-key", usage: "apikey sent to --iglu-registry-url; MICRO_IGLU_API_KEY is read when this is not set", value: str(&c.apiKey, "")},
		{name: "iglu-cache-size", usage: "number of schema lookups the resolver caches, unless --iglu sets cacheSize", value: integer(&c.cacheSize, 500)},
	}
}

// builtinRepoName is the name of plowbox's own registry in lookup histories.
const builtinRepoName = "plowbox"

// superKeyFile is the file in the data directory that keeps a generated super key.
const superKeyFile = "iglu-super-key"

// buildIglu builds the resolver and validator of plowbox serve. Repositories are tried
// in this order (iglu.md §4, §5):
//
//  1. plowbox's built-in registry (the store's schemas, written through /api/schemas or
//     plowbox iglu import);
//  2. the repositories of the --iglu file, or Iglu Central without one, plus the
//     --iglu-dir directories and the custom registry, ordered by vendor prefix, embedded
//     before HTTP, then priority;
//  3. when an HTTP repository fails (unreachable, timeout, bad answer), the copy of the
//     schema kept from an earlier successful lookup over the network answers in its
//     place; a NotFound answer is never overridden.
//
// Every schema found over HTTP is kept in the store for step 3. lookupEnv is
// os.LookupEnv outside tests; it supplies Micro's MICRO_IGLU_* variables.
func buildIglu(cfg igluConfig, st *store.Store, log *slog.Logger, lookupEnv func(string) (string, bool)) (*iglu.Resolver, *iglu.Validator, error) {
	opts := iglu.Options{CacheSize: cfg.cacheSize, CacheTTL: iglu.DefaultCacheTTL, Logger: log}
	var repos []iglu.Repository
	if cfg.resolverFile != "" {
		data, err := os.ReadFile(cfg.resolverFile)
		if err != nil {
			return nil, nil, fmt.Errorf("--iglu: read resolver configuration: %w", err)
		}
		rc, err := iglu.ParseResolverConfig(data)
		if err != nil {
			return nil, nil, fmt.Errorf("--iglu %s: %w", cfg.resolverFile, err)
		}
		opts.CacheSize = rc.CacheSize
		opts.CacheTTL = 0 // no cacheTtl: entries never expire, as upstream
		if rc.CacheTTL != nil {
			opts.CacheTTL = *rc.CacheTTL
		}
		repos = iglu.RepositoriesFromConfig(rc, cfg.timeout, nil)
	} else {
		repos = iglu.DefaultRepositories(cfg.timeout, nil)
	}

	for _, dir := range cfg.dirs {
		root, err := registryRoot(dir)
		if err != nil {
			return nil, nil, fmt.Errorf("--iglu-dir: %w", err)
		}
		name := "Iglu Client Embedded"
		if len(cfg.dirs) > 1 {
			name += " (" + dir + ")"
		}
		repos = append(repos, iglu.NewEmbeddedRepository(name, 0, []string{}, root))
	}

	url, apikey := cfg.registryURL, cfg.apiKey
	if url == "" {
		url, _ = lookupEnv("MICRO_IGLU_REGISTRY_URL")
	}
	if apikey == "" {
		apikey, _ = lookupEnv("MICRO_IGLU_API_KEY")
	}
	if url != "" {
		repo, err := iglu.CustomRegistry(url, apikey, cfg.timeout, nil)
		if err != nil {
			return nil, nil, fmt.Errorf("--iglu-registry-url: %w", err)
		}
		repos = append(repos, repo)
	}

	for i, r := range repos {
		if r.Class() == iglu.ClassHTTP {
			repos[i] = &keptFallback{Repository: r, st: st, log: log}
		}
	}
	opts.Repositories = repos
	opts.Builtin = builtinRepository(st)
	opts.OnFound = func(key iglu.SchemaKey, repo iglu.Repository, schema []byte) {
		if repo.Class() != iglu.ClassHTTP {
			return
		}
		if err := st.KeepResolved(key.Path(), schema); err != nil {
			log.Warn("keep a copy of a resolved schema", "schema", key.String(), "err", err)
		}
	}
	r := iglu.NewResolver(opts)
	return r, iglu.NewValidator(r, log), nil
}

// registryRoot returns the registry directory of --iglu-dir dir: dir itself when it
// holds a schemas directory, or its parent when dir is that schemas directory.
func registryRoot(dir string) (string, error) {
	if fi, err := os.Stat(filepath.Join(dir, "schemas")); err == nil && fi.IsDir() {
		return dir, nil
	}
	if filepath.Base(filepath.Clean(dir)) == "schemas" {
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			return filepath.Dir(filepath.Clean(dir)), nil
		}
	}
	return "", fmt.Errorf("%s has no schemas directory: want a static registry laid out as DIR/schemas/<vendor>/<name>/jsonschema/<version>", dir)
}

// builtinRepository is plowbox's own registry as the resolver sees it.
func builtinRepository(st *store.Store) iglu.Repository {
	return &iglu.FuncRepository{
		RepoName:  builtinRepoName,
		RepoClass: iglu.ClassEmbedded,
		Prefixes:  []string{},
		Func: func(_ context.Context, key iglu.SchemaKey) ([]byte, error) {
			body, _, ok, err := st.GetSchema(key.Path())
			switch {
			case err != nil:
				return nil, err // a RepoFailure
			case !ok:
				return nil, iglu.ErrNotFound
			}
			return body, nil
		},
	}
}

// keptFallback is an HTTP repository that, when it fails, answers with the copy of the
// schema kept from an earlier lookup over the network (iglu.md §2), so that a box that
// has seen a schema once keeps validating it offline.
type keptFallback struct {
	iglu.Repository
	st  *store.Store
	log *slog.Logger
}

// Lookup implements iglu.Repository.
func (k *keptFallback) Lookup(ctx context.Context, key iglu.SchemaKey) ([]byte, error) {
	body, err := k.Repository.Lookup(ctx, key)
	if err == nil || errors.Is(err, iglu.ErrNotFound) {
		return body, err
	}
	kept, ok, kerr := k.st.GetResolved(key.Path())
	if kerr != nil || !ok {
		return nil, err
	}
	k.log.Warn("iglu repository failed; validating with the copy kept from an earlier lookup",
		"repository", k.Name(), "schema", key.String(), "err", err)
	return kept, nil
}

// loadSuperKey returns the registry super key: --iglu-super-key when set; otherwise the
// key kept in the data directory, generated (and printed once to stderr) at the first
// start under --auth basic. Under --auth none without a kept key it is "".
func loadSuperKey(cfg igluConfig, dataDir string, basicAuth bool, stderr io.Writer) (string, error) {
	if cfg.superKey != "" {
		return cfg.superKey, nil
	}
	path := filepath.Join(dataDir, superKeyFile)
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		key := strings.TrimSpace(string(b))
		if key == "" {
			return "", fmt.Errorf("%s is empty: delete it to have plowbox generate a super key, or set --iglu-super-key", path)
		}
		return key, nil
	case !errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("read iglu super key: %w", err)
	case !basicAuth:
		return "", nil
	}
	key := uuid.NewString()
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write iglu super key: %w", err)
	}
	fmt.Fprintf(stderr, "\nplowbox generated the Iglu registry super key: %s\n"+
		"Send it as the apikey header to write schemas to /api/schemas (igluctl, resolvers); it is kept in %s.\n"+
		"Set --iglu-super-key (PLOWBOX_IGLU_SUPER_KEY) to choose one.\n\n", key, path)
	return key, nil
}

// igluWebOptions are the web options of the registry API and /micro/iglu.
func igluWebOptions(st *store.Store, r *iglu.Resolver, v *iglu.Validator, superKey string) *igluapi.Options {
	return &igluapi.Options{Registry: st, Resolver: r, Validator: v, SuperKey: superKey, Version: version}
}

// igluCacheFlush drops every cached schema lookup, for the control plane's
// POST /control-plane/iglu-cache/flush and PUT /restart-services (mini.md §3).
func igluCacheFlush(r *iglu.Resolver) { r.Flush() }
