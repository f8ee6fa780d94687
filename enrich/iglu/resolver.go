package iglu

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/plowbox/plowbox/enrich/badrows"
)

// DefaultCacheTTL is plowbox's resolver cache time to live (iglu.md §4).
const DefaultCacheTTL = 60 * time.Second

// Options configures a Resolver.
type Options struct {
	// CacheSize is the number of lookup results kept (found schemas and misses);
	// 0 disables caching, which also means every validation recompiles its schema.
	CacheSize int
	// CacheTTL is how long a cached result lives; 0 means forever.
	CacheTTL time.Duration
	// Builtin is plowbox's own registry, consulted before every other repository;
	// nil when there is none.
	Builtin Repository
	// Repositories are the configured repositories, in any order.
	Repositories []Repository
	// OnFound, when set, is called with every schema found in a repository other than
	// Builtin, e.g. to keep a copy of schemas fetched over the network (iglu.md §2).
	// It runs on the lookup's goroutine and must not call back into the resolver.
	OnFound func(key SchemaKey, repo Repository, schema []byte)
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Logger receives repository failures; nil means slog.Default().
	Logger *slog.Logger
}

// Resolver finds schemas in its repositories (iglu.md §5), caching found schemas and
// misses in an LRU with a time to live. Repository failures are never cached; they are
// retried on the next lookup and their attempts accumulate in the lookup history. It
// is safe for concurrent use.
type Resolver struct {
	builtin  Repository
	repos    atomic.Pointer[[]Repository] // replaced whole by SetRepositories
	onFound  func(SchemaKey, Repository, []byte)
	now      func() time.Time
	log      *slog.Logger
	cache    *lruCache // successful lookups and misses
	failures *lruCache // histories of lookups that failed, for attempt counts

	gen      atomic.Uint64 // bumped by Invalidate and Flush
	mu       sync.Mutex
	inflight map[SchemaKey]*flight
	status   map[string]*RepositoryStatus
}

// lookupResult is the outcome of one resolution: a schema, or a miss in every
// repository. It carries the compiled form of its schema once a validator needs it.
type lookupResult struct {
	key      SchemaKey
	schema   []byte // nil when not found
	history  []badrows.LookupHistory
	compiled compiledSchema
}

// flight is a lookup in progress, shared by concurrent callers of the same key.
type flight struct {
	done chan struct{}
	res  *lookupResult
	err  *ResolutionError
}

// RepositoryStatus is the health of one repository as seen by lookups.
type RepositoryStatus struct {
	Name          string
	LastSuccess   time.Time // last lookup answered found or not found
	LastFailure   time.Time // last RepoFailure or ClientFailure
	LastError     string    // message of the last failure
	FailingNow    bool      // the last answer was a failure
	Unreachable   bool      // the last failure was a RepoFailure
	ConsecutiveKO int       // failures since the last answer
}

// NewResolver returns a resolver over o's repositories.
func NewResolver(o Options) *Resolver {
	r := &Resolver{
		builtin:  o.Builtin,
		onFound:  o.OnFound,
		now:      o.Now,
		log:      o.Logger,
		cache:    newLRUCache(o.CacheSize, o.CacheTTL),
		failures: newLRUCache(max(o.CacheSize, 100), o.CacheTTL),
		inflight: map[SchemaKey]*flight{},
		status:   map[string]*RepositoryStatus{},
	}
	repos := slices.Clone(o.Repositories)
	r.repos.Store(&repos)
	if r.now == nil {
		r.now = time.Now
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	return r
}

// ResolutionError reports a schema that no repository returned, with what each
// repository answered.
type ResolutionError struct {
	Key     SchemaKey
	History []badrows.LookupHistory
}

// Error implements error.
func (e *ResolutionError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "resolve %s:", e.Key)
	for _, h := range e.History {
		fmt.Fprintf(&b, " %s:", h.Repository)
		for _, re := range h.Errors {
			b.WriteString(" " + re.Error)
			if re.Message != "" {
				b.WriteString(" (" + re.Message + ")")
			}
		}
		b.WriteString(";")
	}
	return strings.TrimSuffix(b.String(), ";")
}

// ClientError returns e as a bad-row ResolutionError.
func (e *ResolutionError) ClientError() *badrows.ClientError {
	return &badrows.ClientError{Error: "ResolutionError", LookupHistory: e.History}
}

// Unreachable reports whether some repository failed with a RepoFailure.
func (e *ResolutionError) Unreachable() bool {
	for _, h := range e.History {
		for _, re := range h.Errors {
			if re.Error == RepoFailure.String() {
				return true
			}
		}
	}
	return false
}

// Lookup returns the schema document for key exactly as its repository stored it, and
// the lookup history. When no repository has it, the error is a *ResolutionError
// carrying the same history (used by /micro/iglu, micro-api.md §6).
func (r *Resolver) Lookup(ctx context.Context, key SchemaKey) ([]byte, []badrows.LookupHistory, error) {
	res, rerr := r.lookup(ctx, key)
	if rerr != nil {
		return nil, rerr.History, rerr
	}
	return res.schema, res.history, nil
}

// Invalidate drops key from the cache, whether it was found or missed, together with
// its compiled schema. Call it whenever a schema is written.
func (r *Resolver) Invalidate(key SchemaKey) {
	r.gen.Add(1)
	r.cache.remove(key)
	r.failures.remove(key)
}

// Flush drops every cached lookup and compiled schema.
func (r *Resolver) Flush() {
	r.gen.Add(1)
	r.cache.flush()
	r.failures.flush()
}

// SetRepositories replaces the configured repositories (not the built-in one) and
// flushes the cache: the very next lookup uses the new set. Lookups in flight finish
// with the old one.
func (r *Resolver) SetRepositories(repos []Repository) {
	repos = slices.Clone(repos)
	r.repos.Store(&repos)
	r.Flush()
}

// Repositories returns the repositories in the order they are tried for vendor.
func (r *Resolver) Repositories(vendor string) []Repository {
	return r.ordered(vendor)
}

// Status returns the health of every repository that has been consulted, by name.
func (r *Resolver) Status() []RepositoryStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]RepositoryStatus, 0, len(r.status))
	for _, s := range r.status {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b RepositoryStatus) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// lookup resolves key through the cache, sharing concurrent lookups of the same key.
func (r *Resolver) lookup(ctx context.Context, key SchemaKey) (*lookupResult, *ResolutionError) {
	if res, ok := r.cache.get(key, r.now()); ok {
		return res.outcome()
	}
	r.mu.Lock()
	if f, ok := r.inflight[key]; ok {
		r.mu.Unlock()
		select {
		case <-f.done:
			return f.res, f.err
		case <-ctx.Done():
			return nil, &ResolutionError{Key: key, History: []badrows.LookupHistory{}}
		}
	}
	f := &flight{done: make(chan struct{})}
	r.inflight[key] = f
	r.mu.Unlock()

	gen := r.gen.Load()
	f.res, f.err = r.resolve(ctx, key, gen)

	r.mu.Lock()
	delete(r.inflight, key)
	r.mu.Unlock()
	close(f.done)
	return f.res, f.err
}

// outcome splits a cached result into a found schema or a miss.
func (res *lookupResult) outcome() (*lookupResult, *ResolutionError) {
	if res.schema == nil {
		return nil, &ResolutionError{Key: res.key, History: res.history}
	}
	return res, nil
}

// resolve asks each repository in order until one has key, then caches the result
// unless a repository failed (or the cache was invalidated meanwhile).
func (r *Resolver) resolve(ctx context.Context, key SchemaKey, gen uint64) (*lookupResult, *ResolutionError) {
	var prev []badrows.LookupHistory
	if old, ok := r.failures.get(key, r.now()); ok {
		prev = old.history
	}
	var history []badrows.LookupHistory
	failed := false
	for _, repo := range r.ordered(key.Vendor) {
		body, err := r.ask(ctx, repo, key)
		if err == nil {
			res := &lookupResult{key: key, schema: body, history: history}
			if r.onFound != nil && repo != r.builtin {
				r.onFound(key, repo, body)
			}
			r.failures.remove(key)
			if r.gen.Load() == gen {
				r.cache.put(key, res, r.now())
			}
			return res, nil
		}
		re := registryError(err)
		if re.Error != NotFound.String() {
			failed = true
		}
		history = append(history, mergeHistory(prev, repo.Name(), re, r.now()))
	}
	if history == nil {
		history = []badrows.LookupHistory{}
	}
	res := &lookupResult{key: key, history: history}
	switch {
	case failed:
		r.failures.put(key, res, r.now())
	case r.gen.Load() == gen:
		r.cache.put(key, res, r.now())
	}
	return res.outcome()
}

// ask looks key up in one repository, recording its health.
func (r *Resolver) ask(ctx context.Context, repo Repository, key SchemaKey) (body []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			body, err = nil, repoFailure(nil, "repository panicked: %v", p)
		}
		r.record(repo.Name(), err)
	}()
	body, err = repo.Lookup(ctx, key)
	if err == nil && body == nil {
		err = clientFailure(nil, "repository returned an empty schema")
	}
	return body, err
}

// record updates the health of the repository called name after a lookup.
func (r *Resolver) record(name string, err error) {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.status[name]
	if !ok {
		s = &RepositoryStatus{Name: name}
		r.status[name] = s
	}
	if err == nil || errors.Is(err, ErrNotFound) {
		s.LastSuccess, s.FailingNow, s.Unreachable, s.ConsecutiveKO = now, false, false, 0
		return
	}
	re := registryError(err)
	s.LastFailure, s.LastError, s.FailingNow = now, re.Message, true
	s.Unreachable = re.Error == RepoFailure.String()
	s.ConsecutiveKO++
	r.log.Warn("iglu repository lookup failed", "repository", name, "error", re.Error, "message", re.Message)
}

// mergeHistory builds the history entry of repo for this attempt, adding the attempts
// and distinct errors of the previous failed lookups of the same key.
func mergeHistory(prev []badrows.LookupHistory, repo string, re badrows.RegistryError, now time.Time) badrows.LookupHistory {
	h := badrows.LookupHistory{Repository: repo, Errors: []badrows.RegistryError{re}, Attempts: 1, LastAttempt: now.UTC().Truncate(time.Millisecond)}
	for _, p := range prev {
		if p.Repository != repo {
			continue
		}
		h.Attempts += p.Attempts
		for _, e := range p.Errors {
			if !slices.Contains(h.Errors, e) {
				h.Errors = append(h.Errors, e)
			}
		}
	}
	return h
}

// ordered returns the repositories in lookup order for vendor: the built-in registry,
// then those with a matching vendor prefix, embedded before HTTP, priority ascending.
func (r *Resolver) ordered(vendor string) []Repository {
	repos := slices.Clone(*r.repos.Load())
	rank := func(repo Repository) int {
		for _, p := range repo.VendorPrefixes() {
			if strings.HasPrefix(vendor, p) {
				return 0
			}
		}
		return 1
	}
	slices.SortStableFunc(repos, func(a, b Repository) int {
		return cmp.Or(
			cmp.Compare(rank(a), rank(b)),
			cmp.Compare(a.Class(), b.Class()),
			cmp.Compare(a.Priority(), b.Priority()),
		)
	})
	if r.builtin != nil {
		repos = append([]Repository{r.builtin}, repos...)
	}
	return repos
}
