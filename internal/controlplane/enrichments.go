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

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/enrichments"
)

// EnrichmentLoader builds enrichments from a directory of Snowplow enrichment configs
// (*.json), checking each config against its schema; plowbox serve uses it at start and
// the control plane for reloads and uploads, so both accept the same configs.
type EnrichmentLoader struct {
	// AssetsDir caches the files enrichments download (databases, lists).
	AssetsDir string
	// ExchangeRatesURL is the Open Exchange Rates API of currency_conversion_config;
	// empty means enrichments.DefaultExchangeRatesURL.
	ExchangeRatesURL string
	Validator        enrich.Validator
	Log              *slog.Logger
}

// Load builds the enrichments of the configs in configDir; their relative file paths
// are read from dataDir (the directory the configs will live in).
func (l EnrichmentLoader) Load(configDir, dataDir string) ([]enrich.Enrichment, error) {
	list, _, err := enrichments.Load(configDir, enrichments.Options{
		DataDir:          dataDir,
		CacheDir:         l.AssetsDir,
		ExchangeRatesURL: l.ExchangeRatesURL,
		Logger:           l.Log,
		Validate: func(ctx context.Context, schema string, data json.RawMessage) error {
			if res := l.Validator.Validate(ctx, schema, data); res.Error != nil {
				b, _ := json.Marshal(res.Error)
				return fmt.Errorf("not valid against %s: %s", schema, b)
			}
			return nil
		},
	})
	return list, err
}

// LoadIfExists is Load of dir's own configs; a missing directory means none.
func (l EnrichmentLoader) LoadIfExists(dir string) ([]enrich.Enrichment, error) {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return l.Load(dir, dir)
}

// AssetsDir is where the enrichments of data directory dataDir cache their downloads.
func AssetsDir(dataDir string) string { return filepath.Join(dataDir, "enrichment-assets") }
