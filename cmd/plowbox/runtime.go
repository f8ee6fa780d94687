package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/enrichments"
	"github.com/plowbox/plowbox/enrich/iglu"
	"github.com/plowbox/plowbox/internal/users"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/web/controlplane"
	"github.com/plowbox/plowbox/web/igluapi"
)

// plane is the in-process meaning of the control-plane verbs (mini.md §3): where
// Snowplow Mini restarted containers, plowbox swaps the enricher and the resolver's
// repositories atomically, so that the very next event or schema lookup uses the new
// configuration and a broken one is refused while the running one keeps working.
type plane struct {
	cfg       serveConfig
	st        *store.Store
	log       *slog.Logger
	pipe      *pipeline
	resolver  *iglu.Resolver
	validator *iglu.Validator
	ecfg      enrich.Config // the enricher's configuration but its Enrichments
	lookupEnv func(string) (string, bool)
	started   time.Time
	// indexHealth reports the search index's health; nil when there is no index.
	indexHealth func() error

	mu        sync.Mutex // serialises reloads and writes to the enrichments directory
	list      []enrich.Enrichment
	loadErr   string // the last refused reload, for status
	superKey  atomic.Pointer[string]
	graceTime time.Duration // how long replaced enrichments stay open for events in flight
}

// enrichmentsDirDefault is where uploaded enrichment configs go when --enrichments is not
// set; plowbox serve reads it at start when it exists.
const enrichmentsDirDefault = "enrichments"

// registriesKey is the settings key of the registries added through the control plane.
const registriesKey = "iglu/registries"

// newRuntime returns the control plane of a serving plowbox whose enricher, built from list
// and ecfg, already runs in pipe.
func newRuntime(cfg serveConfig, st *store.Store, log *slog.Logger, pipe *pipeline, r *iglu.Resolver, v *iglu.Validator,
	ecfg enrich.Config, list []enrich.Enrichment, superKey string, lookupEnv func(string) (string, bool)) *plane {
	rt := &plane{cfg: cfg, st: st, log: log, pipe: pipe, resolver: r, validator: v, ecfg: ecfg,
		list: list, lookupEnv: lookupEnv, started: time.Now(), graceTime: time.Minute}
	rt.superKey.Store(&superKey)
	return rt
}

// enrichmentsDir is the directory enrichment configs are read from and uploaded to.
func (rt *plane) enrichmentsDir() string {
	return enrichmentsDirOf(rt.cfg)
}

// enrichmentsDirOf is --enrichments, or the data directory's enrichments directory.
func enrichmentsDirOf(cfg serveConfig) string {
	if cfg.enrichmentsDir != "" {
		return cfg.enrichmentsDir
	}
	return filepath.Join(cfg.data, enrichmentsDirDefault)
}

// loadEnrichmentsFrom builds the enrichments of dir with the startup checks; a missing
// directory means none.
func loadEnrichmentsFrom(dir, dataDir, ratesURL string, v enrich.Validator, log *slog.Logger) ([]enrich.Enrichment, error) {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	list, _, err := enrichments.Load(dir, enrichments.Options{
		DataDir:          dir,
		CacheDir:         filepath.Join(dataDir, "enrichment-assets"),
		ExchangeRatesURL: ratesURL,
		Logger:           log,
		Validate: func(ctx context.Context, schema string, data json.RawMessage) error {
			if res := v.Validate(ctx, schema, data); res.Error != nil {
				b, _ := json.Marshal(res.Error)
				return fmt.Errorf("not valid against %s: %s", schema, b)
			}
			return nil
		},
	})
	return list, err
}

// install puts list to work and closes the replaced enrichments once events in flight
// are done with them.
func (rt *plane) install(list []enrich.Enrichment) {
	cfg := rt.ecfg
	cfg.Enrichments = list
	old := rt.list
	rt.list = list
	rt.pipe.setEnricher(enrich.New(cfg))
	if len(old) > 0 {
		time.AfterFunc(rt.graceTime, func() { enrichments.Close(old) })
	}
}

// reloadEnrichments rebuilds the enrichments from their directory.
func (rt *plane) reloadEnrichments() error {
	list, err := loadEnrichmentsFrom(rt.enrichmentsDir(), rt.cfg.data, rt.cfg.exchangeRatesURL, rt.validator, rt.log)
	if err != nil {
		rt.loadErr = err.Error()
		return fmt.Errorf("%w: enrichments not reloaded, the running ones are kept: %v", controlplane.ErrInvalid, err)
	}
	rt.loadErr = ""
	rt.install(list)
	rt.log.Info("enrichments reloaded", "dir", rt.enrichmentsDir(), "count", len(list))
	return nil
}

// reloadResolver rebuilds the resolver's repositories from the configuration and the
// registries added at run time, and flushes its cache.
func (rt *plane) reloadResolver() error {
	fresh, _, err := buildIglu(rt.cfg.iglu, rt.st, rt.log, rt.lookupEnv)
	if err != nil {
		return fmt.Errorf("%w: registries not reloaded, the running ones are kept: %v", controlplane.ErrInvalid, err)
	}
	var base []iglu.Repository
	for _, r := range fresh.Repositories("") {
		if r.Name() != builtinRepoName {
			base = append(base, r)
		}
	}
	added, err := rt.addedRegistries()
	if err != nil {
		return err
	}
	rt.resolver.SetRepositories(append(base, rt.repositories(added)...))
	return nil
}

// repositories turns registries added through the control plane into repositories.
func (rt *plane) repositories(regs []controlplane.Registry) []iglu.Repository {
	var out []iglu.Repository
	for _, r := range regs {
		prefixes := r.VendorPrefixes
		if prefixes == nil {
			prefixes = []string{}
		}
		repo := iglu.NewHTTPRepository(iglu.HTTPOptions{
			Name: r.Name, Priority: r.Priority, VendorPrefixes: prefixes,
			URI: r.URI, APIKey: r.APIKey, Timeout: rt.cfg.iglu.timeout,
		})
		out = append(out, &keptFallback{Repository: repo, st: rt.st, log: rt.log})
	}
	return out
}

// addedRegistries reads the registries added through the control plane.
func (rt *plane) addedRegistries() ([]controlplane.Registry, error) {
	b, ok, err := rt.st.GetSetting(registriesKey)
	if err != nil || !ok {
		return nil, err
	}
	var regs []controlplane.Registry
	if err := json.Unmarshal(b, &regs); err != nil {
		return nil, fmt.Errorf("settings %s: %w", registriesKey, err)
	}
	return regs, nil
}

// Reload implements controlplane.Plane.
func (rt *plane) Reload(ctx context.Context) error {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if err := rt.reloadResolver(); err != nil {
		return err
	}
	return rt.reloadEnrichments()
}

// ReloadService implements controlplane.Plane: enrich reloads the enrichments, iglu the
// registries; the other Mini services have no counterpart.
func (rt *plane) ReloadService(ctx context.Context, service string) error {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	switch service {
	case "enrich":
		return rt.reloadEnrichments()
	case "iglu":
		return rt.reloadResolver()
	}
	return nil
}

// Reset implements controlplane.Plane.
func (rt *plane) Reset(ctx context.Context) error {
	if err := rt.st.Reset(); err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	return nil
}

// PutEnrichment implements controlplane.Plane: the directory with the new file is loaded
// in a staging copy first; only a set that loads is written and installed.
func (rt *plane) PutEnrichment(ctx context.Context, name string, body []byte) error {
	if name != filepath.Base(name) || filepath.Ext(name) != ".json" || strings.HasPrefix(name, ".") {
		return fmt.Errorf("%w: enrichment file name %q", controlplane.ErrInvalid, name)
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	dir := rt.enrichmentsDir()
	stage, err := os.MkdirTemp(rt.cfg.data, ".enrichments-stage-")
	if err != nil {
		return fmt.Errorf("stage enrichments: %w", err)
	}
	defer os.RemoveAll(stage)
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read enrichments directory: %w", err)
	}
	for _, de := range entries {
		if de.IsDir() || de.Name() == name {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, de.Name()))
		if err != nil {
			return fmt.Errorf("stage enrichments: %w", err)
		}
		if err := os.WriteFile(filepath.Join(stage, de.Name()), b, 0o600); err != nil {
			return fmt.Errorf("stage enrichments: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(stage, name), body, 0o600); err != nil {
		return fmt.Errorf("stage enrichments: %w", err)
	}
	list, _, err := enrichments.Load(stage, enrichments.Options{
		DataDir:          dir,
		CacheDir:         filepath.Join(rt.cfg.data, "enrichment-assets"),
		ExchangeRatesURL: rt.cfg.exchangeRatesURL,
		Logger:           rt.log,
		Validate: func(ctx context.Context, schema string, data json.RawMessage) error {
			if res := rt.validator.Validate(ctx, schema, data); res.Error != nil {
				b, _ := json.Marshal(res.Error)
				return fmt.Errorf("not valid against %s: %s", schema, b)
			}
			return nil
		},
	})
	if err != nil {
		return fmt.Errorf("%w: %v", controlplane.ErrInvalid, err)
	}
	if err := writeFileAtomic(dir, name, body); err != nil {
		enrichments.Close(list)
		return err
	}
	rt.loadErr = ""
	rt.install(list)
	rt.log.Info("enrichment config uploaded", "file", filepath.Join(dir, name), "count", len(list))
	return nil
}

// writeFileAtomic writes dir/name through a temporary file and a rename, so that a
// crash never leaves half a config behind.
func writeFileAtomic(dir, name string, body []byte) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(body); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// AddRegistry implements controlplane.Plane: the registry is kept in the store's settings
// (a registry of the same name is replaced) and the resolver uses it from the next lookup.
func (rt *plane) AddRegistry(ctx context.Context, reg controlplane.Registry) error {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	err := rt.st.UpdateSettings(func(tx store.SettingsTx) error {
		var regs []controlplane.Registry
		if b := tx.Get(registriesKey); b != nil {
			if err := json.Unmarshal(b, &regs); err != nil {
				return fmt.Errorf("settings %s: %w", registriesKey, err)
			}
		}
		regs = append(regs[:0:0], filterRegs(regs, reg.Name)...)
		regs = append(regs, reg)
		b, err := json.Marshal(regs)
		if err != nil {
			return err
		}
		return tx.Put(registriesKey, b)
	})
	if err != nil {
		return fmt.Errorf("keep registry %s: %w", reg.Name, err)
	}
	return rt.reloadResolver()
}

func filterRegs(regs []controlplane.Registry, name string) []controlplane.Registry {
	var out []controlplane.Registry
	for _, r := range regs {
		if r.Name != name {
			out = append(out, r)
		}
	}
	return out
}

// SetSuperKey implements controlplane.Plane: the key is kept in the data directory and
// takes effect for the next registry request.
func (rt *plane) SetSuperKey(ctx context.Context, key string) error {
	if err := writeFileAtomic(rt.cfg.data, superKeyFile, []byte(key+"\n")); err != nil {
		return fmt.Errorf("keep iglu super key: %w", err)
	}
	rt.superKey.Store(&key)
	return nil
}

// SuperKey returns the registry's current super key.
func (rt *plane) SuperKey() string { return *rt.superKey.Load() }

// FlushIgluCache implements controlplane.Plane.
func (rt *plane) FlushIgluCache() { rt.resolver.Flush() }

// Enrichments implements controlplane.Plane: every config file of the directory with
// whether it runs.
func (rt *plane) Enrichments() []controlplane.EnrichmentStatus {
	rt.mu.Lock()
	running := map[string]bool{}
	for _, e := range rt.list {
		running[e.Info().SchemaKey] = true
	}
	loadErr := rt.loadErr
	rt.mu.Unlock()
	dir := rt.enrichmentsDir()
	entries, _ := os.ReadDir(dir)
	var out []controlplane.EnrichmentStatus
	for _, de := range entries {
		ext := filepath.Ext(de.Name())
		if de.IsDir() || (ext != ".json" && ext != ".js") {
			continue
		}
		s := controlplane.EnrichmentStatus{File: de.Name(), Enabled: true, Status: "running"}
		if ext == ".json" {
			var env struct {
				Schema string `json:"schema"`
				Data   struct {
					Enabled *bool `json:"enabled"`
				} `json:"data"`
			}
			b, _ := os.ReadFile(filepath.Join(dir, de.Name()))
			if json.Unmarshal(b, &env) != nil {
				s.Status = "broken: not JSON"
			}
			s.Schema = env.Schema
			s.Enabled = env.Data.Enabled == nil || *env.Data.Enabled
			switch {
			case !s.Enabled:
				s.Status = "disabled"
			case s.Status == "running" && !running[env.Schema] && !strings.Contains(env.Schema, "/enrichments/"):
				s.Status = "not run (plowbox does not run this enrichment yet)"
			}
		}
		if loadErr != "" && strings.Contains(loadErr, de.Name()) {
			s.Status = "broken: " + loadErr
		}
		out = append(out, s)
	}
	return out
}

// Registries implements controlplane.Plane.
func (rt *plane) Registries() []controlplane.Registry {
	added, _ := rt.addedRegistries()
	isAdded := map[string]bool{}
	for _, r := range added {
		isAdded[r.Name] = true
	}
	var out []controlplane.Registry
	for _, r := range rt.resolver.Repositories("") {
		reg := controlplane.Registry{Name: r.Name(), Priority: r.Priority(), VendorPrefixes: r.VendorPrefixes(), Source: "configuration"}
		if u, ok := r.(interface{ URI() string }); ok {
			reg.URI = u.URI()
		} else if k, ok := r.(*keptFallback); ok {
			if u, ok := k.Repository.(interface{ URI() string }); ok {
				reg.URI = u.URI()
			}
		}
		switch {
		case r.Name() == builtinRepoName:
			reg.Source = "built-in"
		case isAdded[r.Name()]:
			reg.Source = "control-plane"
		}
		out = append(out, reg)
	}
	return out
}

// Status implements controlplane.Plane.
func (rt *plane) Status(ctx context.Context) controlplane.Status {
	up := time.Since(rt.started)
	s := controlplane.Status{Version: version, Uptime: up.Round(time.Second).String(), UptimeSecs: int64(up.Seconds()), Healthy: true}
	add := func(name string, err error, detail string) {
		c := controlplane.ComponentStatus{Name: name, Healthy: err == nil, Detail: detail}
		if err != nil {
			c.Detail = err.Error()
			s.Healthy = false
		}
		s.Components = append(s.Components, c)
	}
	add("store", rt.st.Healthy(), "")
	if rt.indexHealth != nil {
		add("index", rt.indexHealth(), "")
	} else {
		s.Components = append(s.Components, controlplane.ComponentStatus{Name: "index", Healthy: true, Detail: "not enabled"})
	}
	for _, r := range rt.resolver.Status() {
		var err error
		if r.FailingNow {
			err = errors.New(cmpOr(r.LastError, "failing"))
		}
		c := controlplane.ComponentStatus{Name: "registry:" + r.Name, Healthy: err == nil}
		if err != nil {
			c.Detail = err.Error() // a registry down is shown, but plowbox keeps working (iglu.md §5)
		}
		s.Components = append(s.Components, c)
	}
	rt.mu.Lock()
	n, loadErr := len(rt.list), rt.loadErr
	rt.mu.Unlock()
	var enrErr error
	if loadErr != "" {
		enrErr = errors.New("last reload refused: " + loadErr)
	}
	add("enrichments", enrErr, fmt.Sprintf("%d running", n))
	c := rt.st.Counts()
	s.Counts = controlplane.StatusCounts{Good: c.Good, Incomplete: c.Incomplete, Bad: c.Bad}
	if size, err := rt.st.Size(); err == nil {
		s.DiskBytes = size
	}
	if t, ok, err := rt.st.Oldest(); err == nil && ok {
		s.Oldest = &t
	}
	s.SelfTest = rt.selfTest(ctx)
	if !s.SelfTest.OK {
		s.Healthy = false
	}
	return s
}

// selfTest runs a synthetic page view through the enricher in use, without storing it.
func (rt *plane) selfTest(ctx context.Context) controlplane.SelfTest {
	ua := "plowbox-self-test"
	p := &collector.Payload{
		Schema: collector.PayloadSchema, IPAddress: "127.0.0.1", Timestamp: time.Now().UTC().Truncate(time.Millisecond),
		Encoding: "UTF-8", Collector: collector.Name(version), UserAgent: &ua, Path: "/i",
		Querystring: "e=pv&p=web&tv=plowbox-self-test&aid=plowbox-self-test&url=https%3A%2F%2Fself-test.plowbox.invalid%2F",
		Headers:     []string{"User-Agent: " + ua},
	}
	start := time.Now()
	res := rt.pipe.Enricher().Process(ctx, p)
	st := controlplane.SelfTest{Duration: time.Since(start).String()}
	for _, o := range res.Outputs {
		if o.Stage == enrich.StageGood {
			st.OK, st.Outcome = true, "good"
			return st
		}
		st.Outcome = "bad"
		st.Detail = badRowSummary(o.BadRow)
	}
	if len(res.Outputs) == 0 {
		st.Outcome, st.Detail = "nothing", "the page view produced no event"
	}
	return st
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

var _ controlplane.Plane = (*plane)(nil)

// startRuntime returns the control plane of plowbox serve, with the registries added through
// the control plane in earlier runs put back into the resolver.
func startRuntime(cfg serveConfig, st *store.Store, log *slog.Logger, pipe *pipeline, r *iglu.Resolver, v *iglu.Validator,
	ecfg enrich.Config, list []enrich.Enrichment, superKey string, lookupEnv func(string) (string, bool)) (*plane, error) {
	rt := newRuntime(cfg, st, log, pipe, r, v, ecfg, list, superKey, lookupEnv)
	added, err := rt.addedRegistries()
	if err != nil {
		return nil, err
	}
	if len(added) > 0 {
		repos := append(r.Repositories(""), rt.repositories(added)...)
		var keep []iglu.Repository
		for _, repo := range repos {
			if repo.Name() != builtinRepoName {
				keep = append(keep, repo)
			}
		}
		r.SetRepositories(keep)
		log.Info("iglu registries added through the control plane", "count", len(added))
	}
	return rt, nil
}

// igluOptions makes the registry API follow the super key the control plane sets.
func (rt *plane) igluOptions(o *igluapi.Options) *igluapi.Options {
	if o != nil {
		o.CurrentSuperKey = rt.SuperKey
	}
	return o
}

// controlOptions are the web options of the control plane; tls is nil when plowbox
// serves no HTTPS of its own.
func controlOptions(rt *plane, users *users.Users, tls controlplane.TLSControl) *controlplane.Options {
	return &controlplane.Options{Plane: rt, TLS: tls, Users: users, Version: version, EnrichmentsDir: rt.enrichmentsDir()}
}

// healthChecker is a component that reports its health, such as the search index.
type healthChecker interface{ Healthy() error }

// watchIndex makes status report the search index's health.
func (rt *plane) watchIndex(ix healthChecker) { rt.indexHealth = ix.Healthy }
