// Package controlplane is the in-process meaning of Snowplow Mini's control-plane verbs:
// where Mini restarted containers, plowbox swaps the enricher and the resolver's
// repositories atomically, so that the very next event or schema lookup uses the new
// configuration and a broken one is refused while the running one keeps working.
package controlplane

import (
	"cmp"
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
	"github.com/plowbox/plowbox/enrich/iglu/snapshot"
	"github.com/plowbox/plowbox/internal/pipeline"
	"github.com/plowbox/plowbox/store"
	controlapi "github.com/plowbox/plowbox/web/controlplane"
	"github.com/plowbox/plowbox/web/igluapi"
)

// Config is what a Controller acts on.
type Config struct {
	Version string
	// DataDir is the data directory: the super key file and the enrichments' assets.
	DataDir string
	// EnrichmentsDir is where enrichment configs are read from and uploaded to.
	EnrichmentsDir string
	// SuperKeyFile is the file in DataDir that keeps the registry's super key.
	SuperKeyFile string
	// BuiltinRepository is the name of plowbox's own registry among the resolver's.
	BuiltinRepository string
	// ConfiguredRepositories rebuilds the repositories of the command-line configuration,
	// for a reload of the registries.
	ConfiguredRepositories func() ([]iglu.Repository, error)
	// RegistryTimeout bounds one schema request to a registry added at run time.
	RegistryTimeout time.Duration
	// IgluOffline leaves the registries added at run time out (--iglu-offline): no HTTP
	// registry is asked.
	IgluOffline bool

	Store     *store.Store
	Log       *slog.Logger
	Pipeline  *pipeline.Pipeline
	Resolver  *iglu.Resolver
	Validator *iglu.Validator
	// Enrich is the running enricher's configuration but its Enrichments, which are
	// Enrichments.
	Enrich      enrich.Config
	Enrichments []enrich.Enrichment
	// Warnings are what loading Enrichments said about the configs left out.
	Warnings []string
	SuperKey string
	// Loader loads enrichment configs, as at start.
	Loader EnrichmentLoader
}

// Controller reconfigures a serving plowbox at run time: it implements
// controlapi.Plane.
type Controller struct {
	cfg     Config
	st      *store.Store
	log     *slog.Logger
	pipe    *pipeline.Pipeline
	started time.Time
	// indexHealth reports the search index's health; nil when there is no index.
	indexHealth func() error

	mu        sync.Mutex // serialises reloads and writes to the enrichments directory
	list      []enrich.Enrichment
	warnings  []string // what loading list said about the configs left out
	loadErr   string   // the last refused reload, for status
	superKey  atomic.Pointer[string]
	graceTime time.Duration // how long replaced enrichments stay open for events in flight
}

// registriesKey is the settings key of the registries added through the control plane.
const registriesKey = "iglu/registries"

// New returns the control plane of a serving plowbox whose enricher, built from
// cfg.Enrichments and cfg.Enrich, already runs in cfg.Pipeline. The registries added
// through the control plane in earlier runs are put back into the resolver.
func New(cfg Config) (*Controller, error) {
	cp := &Controller{cfg: cfg, st: cfg.Store, log: cfg.Log, pipe: cfg.Pipeline,
		list: cfg.Enrichments, warnings: cfg.Warnings, started: time.Now(), graceTime: time.Minute}
	cp.superKey.Store(&cfg.SuperKey)
	added, err := cp.addedRegistries()
	if err != nil {
		return nil, err
	}
	if len(added) > 0 {
		repos := append(cfg.Resolver.Repositories(""), cp.repositories(added)...)
		var keep []iglu.Repository
		for _, repo := range repos {
			if repo.Name() != cfg.BuiltinRepository {
				keep = append(keep, repo)
			}
		}
		cfg.Resolver.SetRepositories(keep)
		cp.log.Info("iglu registries added through the control plane", "count", len(added))
	}
	return cp, nil
}

// Close closes the enrichments running now; those a reload replaced are closed by
// their grace timer. The pipeline must no longer enrich.
func (cp *Controller) Close() error {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	list := cp.list
	cp.list = nil
	return enrichments.Close(list)
}

// EnrichmentsDir is the directory enrichment configs are read from and uploaded to.
func (cp *Controller) EnrichmentsDir() string { return cp.cfg.EnrichmentsDir }

// install puts list to work and closes the replaced enrichments once events in flight
// are done with them; warnings are what loading list said about the configs left out.
func (cp *Controller) install(list []enrich.Enrichment, warnings []string) {
	cfg := cp.cfg.Enrich
	cfg.Enrichments = list
	old := cp.list
	cp.list, cp.warnings = list, warnings
	cp.pipe.SetEnricher(enrich.New(cfg))
	if len(old) > 0 {
		time.AfterFunc(cp.graceTime, func() { enrichments.Close(old) })
	}
}

// reloadEnrichments rebuilds the enrichments from their directory.
func (cp *Controller) reloadEnrichments() error {
	list, warnings, err := cp.cfg.Loader.LoadIfExists(cp.cfg.EnrichmentsDir)
	if err != nil {
		cp.loadErr = err.Error()
		return fmt.Errorf("%w: enrichments not reloaded, the running ones are kept: %v", controlapi.ErrInvalid, err)
	}
	cp.loadErr = ""
	cp.install(list, warnings)
	cp.log.Info("enrichments reloaded", "dir", cp.cfg.EnrichmentsDir, "count", len(list))
	return nil
}

// reloadResolver rebuilds the resolver's repositories from the configuration and the
// registries added at run time, and flushes its cache.
func (cp *Controller) reloadResolver() error {
	fresh, err := cp.cfg.ConfiguredRepositories()
	if err != nil {
		return fmt.Errorf("%w: registries not reloaded, the running ones are kept: %v", controlapi.ErrInvalid, err)
	}
	var base []iglu.Repository
	for _, r := range fresh {
		if r.Name() != cp.cfg.BuiltinRepository {
			base = append(base, r)
		}
	}
	added, err := cp.addedRegistries()
	if err != nil {
		return err
	}
	cp.cfg.Resolver.SetRepositories(append(base, cp.repositories(added)...))
	return nil
}

// repositories turns registries added through the control plane into repositories.
// Under --iglu-offline they are not asked, as every HTTP registry.
func (cp *Controller) repositories(regs []controlapi.Registry) []iglu.Repository {
	var out []iglu.Repository
	if cp.cfg.IgluOffline {
		return nil
	}
	for _, r := range regs {
		prefixes := r.VendorPrefixes
		if prefixes == nil {
			prefixes = []string{}
		}
		repo := iglu.NewHTTPRepository(iglu.HTTPOptions{
			Name: r.Name, Priority: r.Priority, VendorPrefixes: prefixes,
			URI: r.URI, APIKey: r.APIKey, Timeout: cp.cfg.RegistryTimeout,
		})
		out = append(out, iglu.WithKeptCopies(repo, cp.st, cp.log))
	}
	return out
}

// addedRegistries reads the registries added through the control plane.
func (cp *Controller) addedRegistries() ([]controlapi.Registry, error) {
	b, ok, err := cp.st.GetSetting(registriesKey)
	if err != nil || !ok {
		return nil, err
	}
	var regs []controlapi.Registry
	if err := json.Unmarshal(b, &regs); err != nil {
		return nil, fmt.Errorf("settings %s: %w", registriesKey, err)
	}
	return regs, nil
}

// Reload implements controlapi.Plane.
func (cp *Controller) Reload(ctx context.Context) error {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if err := cp.reloadResolver(); err != nil {
		return err
	}
	return cp.reloadEnrichments()
}

// ReloadService implements controlapi.Plane: enrich reloads the enrichments, iglu the
// registries; the other Mini services have no counterpart.
func (cp *Controller) ReloadService(ctx context.Context, service string) error {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	switch service {
	case "enrich":
		return cp.reloadEnrichments()
	case "iglu":
		return cp.reloadResolver()
	}
	return nil
}

// Reset implements controlapi.Plane.
func (cp *Controller) Reset(ctx context.Context) error {
	if err := cp.st.Reset(); err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	return nil
}

// PutEnrichment implements controlapi.Plane: the directory with the new file is loaded
// in a staging copy first; only a set that loads is written and installed.
func (cp *Controller) PutEnrichment(ctx context.Context, name string, body []byte) error {
	if name != filepath.Base(name) || filepath.Ext(name) != ".json" || strings.HasPrefix(name, ".") {
		return fmt.Errorf("%w: enrichment file name %q", controlapi.ErrInvalid, name)
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	dir := cp.cfg.EnrichmentsDir
	stage, err := os.MkdirTemp(cp.cfg.DataDir, ".enrichments-stage-")
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
	list, warnings, err := cp.cfg.Loader.Load(stage, dir)
	if err != nil {
		return fmt.Errorf("%w: %v", controlapi.ErrInvalid, err)
	}
	if err := WriteFileAtomic(dir, name, body); err != nil {
		enrichments.Close(list)
		return err
	}
	cp.loadErr = ""
	cp.install(list, warnings)
	cp.log.Info("enrichment config uploaded", "file", filepath.Join(dir, name), "count", len(list))
	return nil
}

// AddRegistry implements controlapi.Plane: the registry is kept in the store's settings
// (a registry of the same name is replaced) and the resolver uses it from the next lookup.
func (cp *Controller) AddRegistry(ctx context.Context, reg controlapi.Registry) error {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	err := cp.st.UpdateSettings(func(tx store.SettingsTx) error {
		var regs []controlapi.Registry
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
	return cp.reloadResolver()
}

func filterRegs(regs []controlapi.Registry, name string) []controlapi.Registry {
	var out []controlapi.Registry
	for _, r := range regs {
		if r.Name != name {
			out = append(out, r)
		}
	}
	return out
}

// SetSuperKey implements controlapi.Plane: the key is kept in the data directory and
// takes effect for the next registry request.
func (cp *Controller) SetSuperKey(ctx context.Context, key string) error {
	if err := WriteFileAtomic(cp.cfg.DataDir, cp.cfg.SuperKeyFile, []byte(key+"\n")); err != nil {
		return fmt.Errorf("keep iglu super key: %w", err)
	}
	cp.superKey.Store(&key)
	return nil
}

// SuperKey returns the registry's current super key.
func (cp *Controller) SuperKey() string { return *cp.superKey.Load() }

// FlushIgluCache implements controlapi.Plane.
func (cp *Controller) FlushIgluCache() { cp.cfg.Resolver.Flush() }

// Enrichments implements controlapi.Plane: every config file of the directory with
// whether it runs.
func (cp *Controller) Enrichments() []controlapi.EnrichmentStatus {
	cp.mu.Lock()
	running := map[string]bool{}
	for _, e := range cp.list {
		running[e.Info().SchemaKey] = true
	}
	loadErr, warnings := cp.loadErr, cp.warnings
	cp.mu.Unlock()
	dir := cp.cfg.EnrichmentsDir
	entries, _ := os.ReadDir(dir)
	var out []controlapi.EnrichmentStatus
	for _, de := range entries {
		ext := filepath.Ext(de.Name())
		if de.IsDir() || (ext != ".json" && ext != ".js") {
			continue
		}
		s := controlapi.EnrichmentStatus{File: de.Name(), Enabled: true, Status: "running"}
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
			switch lacking := lacksData(warnings, de.Name()); {
			case !s.Enabled:
				s.Status = "disabled"
			case lacking != "":
				s.Status = "lacks data: " + lacking
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

// Registries implements controlapi.Plane.
func (cp *Controller) Registries() []controlapi.Registry {
	added, _ := cp.addedRegistries()
	isAdded := map[string]bool{}
	for _, r := range added {
		isAdded[r.Name] = true
	}
	var out []controlapi.Registry
	for _, r := range cp.cfg.Resolver.Repositories("") {
		reg := controlapi.Registry{Name: r.Name(), Priority: r.Priority(), VendorPrefixes: r.VendorPrefixes(), Source: "configuration"}
		if u, ok := r.(interface{ URI() string }); ok {
			reg.URI = u.URI()
		}
		snap, isSnapshot := r.(*snapshot.Repository)
		switch {
		case r.Name() == cp.cfg.BuiltinRepository:
			reg.Source = "built-in"
		case isSnapshot:
			reg.URI, reg.Source = snapshot.ConnectionPath, "built-in snapshot"
			if info, err := snap.Snapshot().Info(); err == nil {
				reg.Source += " of " + info.Date
			}
		case isAdded[r.Name()]:
			reg.Source = "control-plane"
		}
		out = append(out, reg)
	}
	return out
}

// Status implements controlapi.Plane.
func (cp *Controller) Status(ctx context.Context) controlapi.Status {
	up := time.Since(cp.started)
	s := controlapi.Status{Version: cp.cfg.Version, Uptime: up.Round(time.Second).String(), UptimeSecs: int64(up.Seconds()), Healthy: true}
	add := func(name string, err error, detail string) {
		c := controlapi.ComponentStatus{Name: name, Healthy: err == nil, Detail: detail}
		if err != nil {
			c.Detail = err.Error()
			s.Healthy = false
		}
		s.Components = append(s.Components, c)
	}
	add("store", cp.st.Healthy(), "")
	if cp.indexHealth != nil {
		add("index", cp.indexHealth(), "")
	} else {
		s.Components = append(s.Components, controlapi.ComponentStatus{Name: "index", Healthy: true, Detail: "not enabled"})
	}
	for _, r := range cp.cfg.Resolver.Status() {
		var err error
		if r.FailingNow {
			err = errors.New(cmp.Or(r.LastError, "failing"))
		}
		c := controlapi.ComponentStatus{Name: "registry:" + r.Name, Healthy: err == nil}
		if err != nil {
			c.Detail = err.Error() // a registry down is shown, but plowbox keeps working: lookups go on to the next repository or the kept copy
		}
		s.Components = append(s.Components, c)
	}
	cp.mu.Lock()
	n, loadErr := len(cp.list), cp.loadErr
	cp.mu.Unlock()
	var enrErr error
	if loadErr != "" {
		enrErr = errors.New("last reload refused: " + loadErr)
	}
	add("enrichments", enrErr, fmt.Sprintf("%d running", n))
	for _, e := range cp.Enrichments() {
		if reason, ok := strings.CutPrefix(e.Status, "lacks data: "); ok {
			// Shown, but plowbox works on without the enrichment, as without a registry.
			s.Components = append(s.Components, controlapi.ComponentStatus{Name: "enrichment:" + e.File, Healthy: false, Detail: "lacks data: " + reason})
		}
	}
	c := cp.st.Counts()
	s.Counts = controlapi.StatusCounts{Good: c.Good, Incomplete: c.Incomplete, Bad: c.Bad}
	if size, err := cp.st.Size(); err == nil {
		s.DiskBytes = size
	}
	if t, ok, err := cp.st.Oldest(); err == nil && ok {
		s.Oldest = &t
	}
	s.SelfTest = cp.selfTest(ctx)
	if !s.SelfTest.OK {
		s.Healthy = false
	}
	return s
}

// selfTest runs a synthetic page view through the enricher in use, without storing it.
func (cp *Controller) selfTest(ctx context.Context) controlapi.SelfTest {
	ua := "plowbox-self-test"
	p := &collector.Payload{
		Schema: collector.PayloadSchema, IPAddress: "127.0.0.1", Timestamp: time.Now().UTC().Truncate(time.Millisecond),
		Encoding: "UTF-8", Collector: collector.Name(cp.cfg.Version), UserAgent: &ua, Path: "/i",
		Querystring: "e=pv&p=web&tv=plowbox-self-test&aid=plowbox-self-test&url=https%3A%2F%2Fself-test.plowbox.invalid%2F",
		Headers:     []string{"User-Agent: " + ua},
	}
	start := time.Now()
	res := cp.pipe.Enricher().Process(ctx, p)
	st := controlapi.SelfTest{Duration: time.Since(start).String()}
	for _, o := range res.Outputs {
		if o.Stage == enrich.StageGood {
			st.OK, st.Outcome = true, "good"
			return st
		}
		st.Outcome = "bad"
		st.Detail = pipeline.BadRowSummary(o.BadRow)
	}
	if len(res.Outputs) == 0 {
		st.Outcome, st.Detail = "nothing", "the page view produced no event"
	}
	return st
}

var _ controlapi.Plane = (*Controller)(nil)

// IgluOptions makes the registry API follow the super key the control plane sets.
func (cp *Controller) IgluOptions(o *igluapi.Options) *igluapi.Options {
	if o != nil {
		o.CurrentSuperKey = cp.SuperKey
	}
	return o
}

// WatchIndex makes status report the health of the search index.
func (cp *Controller) WatchIndex(ix interface{ Healthy() error }) { cp.indexHealth = ix.Healthy }
