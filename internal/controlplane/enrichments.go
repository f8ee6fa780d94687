package controlplane

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

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/enrichments"
)

// EnrichmentLoader builds enrichments from a directory of Snowplow enrichment configs
// (*.json), checking each config against its schema; plowbox serve uses it at start and
// the control plane for reloads and uploads, so both accept the same configs.
type EnrichmentLoader struct {
	// AssetsDir caches the files enrichments download (databases, lists).
	AssetsDir string
	Validator enrich.Validator
	Log       *slog.Logger
}

// Load builds the enrichments of the configs in configDir; their relative file paths
// are read from dataDir (the directory the configs will live in). The warnings name the
// configs left out, and why (enrichments.LacksData among them).
func (l EnrichmentLoader) Load(configDir, dataDir string) ([]enrich.Enrichment, []string, error) {
	return enrichments.Load(configDir, enrichments.Options{
		DataDir:  dataDir,
		CacheDir: l.AssetsDir,
		Logger:   l.Log,
		Validate: func(ctx context.Context, schema string, data json.RawMessage) error {
			if res := l.Validator.Validate(ctx, schema, data); res.Error != nil {
				b, _ := json.Marshal(res.Error)
				return fmt.Errorf("not valid against %s: %s", schema, b)
			}
			return nil
		},
	})
}

// LoadIfExists is Load of dir's own configs; a missing directory means none.
func (l EnrichmentLoader) LoadIfExists(dir string) ([]enrich.Enrichment, []string, error) {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	return l.Load(dir, dir)
}

// AssetsDir is where the enrichments of data directory dataDir cache their downloads.
func AssetsDir(dataDir string) string { return filepath.Join(dataDir, "enrichment-assets") }

// lacksData returns why the config file name was left out for want of data, from the
// warnings of its load, or "".
func lacksData(warnings []string, name string) string {
	for _, w := range warnings {
		if !strings.HasPrefix(w, name+": ") && !strings.HasPrefix(w, name+"[") { // file.json[2]: one of an array of configs
			continue
		}
		if _, why, found := strings.Cut(w, " "+enrichments.LacksData+" "); found {
			return why
		}
	}
	return ""
}
