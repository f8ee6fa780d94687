package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/plowbox/plowbox/internal/options"

	"github.com/google/uuid"

	"github.com/plowbox/plowbox/enrich/iglu"
	"github.com/plowbox/plowbox/enrich/iglu/snapshot"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/web/igluapi"
)

// igluConfig is how plowbox serve resolves Iglu schemas: a resolver configuration or
// Iglu Central, static registries on disk, an extra HTTP registry and the lookup cache.
type igluConfig struct {
	resolverFile string        // --iglu: a resolver configuration whose repositories replace the default
	dirs         []string      // --iglu-dir: static registries read from disk
	timeout      time.Duration // --iglu-timeout: bound of one HTTP schema request
	superKey     string        // --iglu-super-key: the registry's super key
	registryURL  string        // --iglu-registry-url: an extra HTTP registry
	apiKey       string        // --iglu-api-key: its apikey
	cacheSize    int           // --iglu-cache-size, unless the resolver file sets it
	offline      bool          // --iglu-offline: no HTTP repository is asked
	snapshotAt   string        // --iglu-snapshot: first, last or off
	// snapshot is the built-in Iglu Central snapshot; nil means a fresh one.
	snapshot *snapshot.Snapshot
}

// igluOptions is the table of the Iglu options of plowbox serve.
func igluOptions(c *igluConfig) []options.Option {
	return []options.Option{
		{Name: "iglu", Aliases: []string{"i"}, Usage: "Iglu resolver configuration file (resolver-config 1-0-0 to 1-0-3); its repositories replace the default Iglu Central; plowbox's own registry is always consulted first", Value: options.String(&c.resolverFile, "")},
		{Name: "iglu-dir", Usage: "static Iglu registry directory holding schemas/<vendor>/<name>/jsonschema/<version> (Micro's iglu-client-embedded, or a checkout of Iglu Central); repeat or comma-separate for several", Value: options.List(&c.dirs)},
		{Name: "iglu-timeout", Usage: "timeout of one schema request to an HTTP registry; a registry slower than this counts as unreachable", Value: options.Duration(&c.timeout, iglu.DefaultHTTPTimeout)},
		{Name: "iglu-super-key", Usage: "the registry super key: an apikey header equal to it may read and write /api/schemas under --auth basic; when empty, plowbox generates one at first start, prints it once and keeps it in the data directory", Value: options.String(&c.superKey, "")},
		{Name: "iglu-registry-url", Usage: "an extra HTTP registry, tried before Iglu Central (include /api for an Iglu Server); MICRO_IGLU_REGISTRY_URL is read when this is not set", Value: options.String(&c.registryURL, "")},
		{Name: "iglu-api-key", Usage: "apikey sent to --iglu-registry-url; MICRO_IGLU_API_KEY is read when this is not set", Value: options.String(&c.apiKey, "")},
		{Name: "iglu-cache-size", Usage: "number of schema lookups the resolver caches, unless --iglu sets cacheSize", Value: options.Int(&c.cacheSize, 500)},
		{Name: "iglu-offline", Usage: "never ask an HTTP registry (Iglu Central, --iglu's http repositories, --iglu-registry-url, the control plane's): schemas come from the built-in registry, --iglu-dir, the built-in Iglu Central snapshot and the copies kept from earlier lookups", Value: options.Bool(&c.offline, false)},
		{Name: "iglu-snapshot", Usage: "where the built-in Iglu Central snapshot is tried: first (before any HTTP registry, so standard schemas never wait for the network), last (only when every other repository misses or fails) or off; a --iglu file that lists it (embedded path " + snapshot.ConnectionPath + ") places it itself", Value: options.Enum(&c.snapshotAt, snapshotFirst, snapshotFirst, snapshotLast, snapshotOff)},
	}
}

// builtinRepoName is the name of plowbox's own registry in lookup histories.
const builtinRepoName = "plowbox"

// snapshotRepoName is the name of the built-in Iglu Central snapshot in lookup
// histories, unless a --iglu file names it otherwise.
const snapshotRepoName = "Iglu Central snapshot"

// keptRepoName is the name, under --iglu-offline, of the copies of schemas kept from
// earlier lookups over the network.
const keptRepoName = "Kept copies"

// --iglu-snapshot values.
const (
	snapshotFirst = "first"
	snapshotLast  = "last"
	snapshotOff   = "off"
)

// superKeyFile is the file in the data directory that keeps a generated super key.
const superKeyFile = "iglu-super-key"

// buildIglu builds the resolver and validator of plowbox serve. Repositories are tried
// in this order, as Snowplow's resolver orders them
// (https://docs.snowplow.io/docs/api-reference/iglu/iglu-resolver/):
//
//  1. plowbox's built-in registry (the store's schemas, written through /api/schemas or
//     plowbox iglu import);
//  2. the repositories of the --iglu file, or Iglu Central without one, plus the
//     --iglu-dir directories, the custom registry and the built-in Iglu Central snapshot,
//     ordered by vendor prefix, embedded before HTTP, then priority; the snapshot is
//     the last embedded repository (--iglu-snapshot first) or comes after every HTTP
//     one (last), unless the --iglu file places it;
//  3. when an HTTP repository fails (unreachable, timeout, bad answer), the copy of the
//     schema kept from an earlier successful lookup over the network answers in its
//     place; a NotFound answer is never overridden.
//
// Under --iglu-offline no HTTP repository is built: the kept copies answer as one
// embedded repository instead. Every schema found over HTTP is kept in the store for
// step 3. lookupEnv is os.LookupEnv outside tests; it supplies Micro's MICRO_IGLU_*
// variables.
func buildIglu(cfg igluConfig, st *store.Store, log *slog.Logger, lookupEnv func(string) (string, bool)) (*iglu.Resolver, *iglu.Validator, error) {
	opts := iglu.Options{CacheSize: cfg.cacheSize, CacheTTL: iglu.DefaultCacheTTL, Logger: log}
	snap := cfg.snapshot
	if snap == nil {
		snap = snapshot.New()
	}
	var repos []iglu.Repository
	placed := false // the --iglu file lists the snapshot
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
		others := *rc
		others.Repositories = nil
		for _, repo := range rc.Repositories {
			if repo.Embedded != nil && repo.Embedded.Path == snapshot.ConnectionPath {
				repos = append(repos, snap.Repository(repo.Name, repo.Priority, iglu.ClassEmbedded))
				placed = true
				continue
			}
			others.Repositories = append(others.Repositories, repo)
		}
		repos = append(repos, iglu.RepositoriesFromConfig(&others, cfg.timeout, nil)...)
	} else {
		repos = iglu.DefaultRepositories(cfg.timeout, nil)
	}

	for _, dir := range cfg.dirs {
		root, err := iglu.RegistryRoot(dir)
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

	if !placed {
		switch cfg.snapshotAt {
		case snapshotOff:
		case snapshotLast:
			repos = append(repos, snap.Repository(snapshotRepoName, 0, iglu.ClassLastResort))
		default:
			repos = append(repos, snap.Repository(snapshotRepoName, math.MaxInt32, iglu.ClassEmbedded))
		}
	}

	opts.Repositories = networkPolicy(repos, cfg.offline, st, log)
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

// networkPolicy wraps every HTTP repository of repos so that, when it fails, the copy
// kept from an earlier lookup answers in its place; offline, it drops them instead and
// adds the kept copies as one embedded repository.
func networkPolicy(repos []iglu.Repository, offline bool, st *store.Store, log *slog.Logger) []iglu.Repository {
	out := make([]iglu.Repository, 0, len(repos)+1)
	var skipped []string
	for _, r := range repos {
		switch {
		case r.Class() != iglu.ClassHTTP:
			out = append(out, r)
		case offline:
			skipped = append(skipped, r.Name())
		default:
			out = append(out, iglu.WithKeptCopies(r, st, log))
		}
	}
	if !offline {
		return out
	}
	if len(skipped) > 0 {
		log.Info("--iglu-offline: these HTTP registries are not asked", "registries", strings.Join(skipped, ", "))
	}
	return append(out, keptCopies(st))
}

// keptCopies is the copies of schemas kept from earlier lookups over the network, as
// one repository, for --iglu-offline.
func keptCopies(st *store.Store) iglu.Repository {
	return &iglu.FuncRepository{
		RepoName: keptRepoName, RepoPriority: math.MaxInt32, RepoClass: iglu.ClassEmbedded, Prefixes: []string{},
		Func: func(_ context.Context, key iglu.SchemaKey) ([]byte, error) {
			body, ok, err := st.GetResolved(key.Path())
			switch {
			case err != nil:
				return nil, err
			case !ok:
				return nil, iglu.ErrNotFound
			}
			return body, nil
		},
	}
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
