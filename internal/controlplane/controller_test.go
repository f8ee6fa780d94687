package controlplane

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/iglu"
	"github.com/plowbox/plowbox/internal/pipeline"
	"github.com/plowbox/plowbox/store"
	controlapi "github.com/plowbox/plowbox/web/controlplane"
)

const (
	igluCentral = "../../../shared/testdata/iglu-central"
	configs     = "../../enrich/enrichments/testdata/configs"
)

// newController is a control plane over a real store, validating against Iglu Central.
func newController(t *testing.T) (*Controller, *pipeline.Pipeline, string) {
	t.Helper()
	data := t.TempDir()
	st, err := store.Open(data, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	log := slog.New(slog.DiscardHandler)
	repos := func() ([]iglu.Repository, error) {
		return []iglu.Repository{iglu.NewEmbeddedRepository("Iglu Central", 0, []string{}, igluCentral)}, nil
	}
	base, _ := repos()
	r := iglu.NewResolver(iglu.Options{Repositories: base, CacheSize: 100})
	v := iglu.NewValidator(r, log)
	ecfg := enrich.Config{Version: "test", Validator: v}
	pipe := pipeline.New(enrich.New(ecfg), st, pipeline.Options{})
	dir := filepath.Join(data, "enrichments")
	c, err := New(Config{
		Version: "test", DataDir: data, EnrichmentsDir: dir, SuperKeyFile: "iglu-super-key",
		BuiltinRepository: "plowbox", ConfiguredRepositories: repos,
		Store: st, Log: log, Pipeline: pipe, Resolver: r, Validator: v, Enrich: ecfg,
		Loader: EnrichmentLoader{AssetsDir: AssetsDir(data), Validator: v, Log: log},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, pipe, dir
}

// TestPutEnrichment installs a good config in the running pipeline and refuses a broken
// one and a bad file name, keeping what runs.
func TestPutEnrichment(t *testing.T) {
	c, pipe, dir := newController(t)
	good, err := os.ReadFile(filepath.Join(configs, "anon_ip.good.json"))
	if err != nil {
		t.Fatal(err)
	}
	before := pipe.Enricher()
	if err := c.PutEnrichment(t.Context(), "anon_ip.json", good); err != nil {
		t.Fatal(err)
	}
	if pipe.Enricher() == before {
		t.Error("the pipeline still runs the enricher from before the upload")
	}
	if st := c.Enrichments(); len(st) != 1 || st[0].File != "anon_ip.json" || st[0].Status != "running" {
		t.Errorf("Enrichments() = %+v", st)
	}

	installed := pipe.Enricher()
	broken, err := os.ReadFile(filepath.Join(configs, "anon_ip.bad-range.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.PutEnrichment(t.Context(), "anon_ip.json", broken); !errors.Is(err, controlapi.ErrInvalid) {
		t.Errorf("broken config: %v, want ErrInvalid", err)
	}
	if err := c.PutEnrichment(t.Context(), "../anon_ip.json", good); !errors.Is(err, controlapi.ErrInvalid) {
		t.Errorf("path in the name: %v, want ErrInvalid", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "anon_ip.json")); string(b) != string(good) {
		t.Error("a refused config replaced the file")
	}
	if pipe.Enricher() != installed {
		t.Error("a refused config replaced the running enricher")
	}
	if s := c.Status(t.Context()); !s.Healthy || !s.SelfTest.OK {
		t.Errorf("status after a refused upload: %+v", s)
	}
}

// TestReloadRefusesBrokenDirectory keeps the running enrichments when the directory
// holds a broken config, and says so in the status.
func TestReloadRefusesBrokenDirectory(t *testing.T) {
	c, pipe, dir := newController(t)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	broken, _ := os.ReadFile(filepath.Join(configs, "anon_ip.bad-range.json"))
	if err := os.WriteFile(filepath.Join(dir, "anon_ip.json"), broken, 0o600); err != nil {
		t.Fatal(err)
	}
	before := pipe.Enricher()
	if err := c.ReloadService(t.Context(), "enrich"); !errors.Is(err, controlapi.ErrInvalid) {
		t.Errorf("reload of a broken directory: %v, want ErrInvalid", err)
	}
	if pipe.Enricher() != before {
		t.Error("a refused reload replaced the running enricher")
	}
	if s := c.Status(t.Context()); s.Healthy {
		t.Errorf("status after a refused reload is healthy: %+v", s.Components)
	}
}
