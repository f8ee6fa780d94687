package enrichments

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/plowbox/plowbox/enrich"
)

// Options configures Load and LoadConfigs.
type Options struct {
	// DataDir is the base directory for assets named by a relative local path (a
	// `uri` without a scheme, or a bare `database`). Empty means the working directory.
	DataDir string
	// CacheDir is where assets with http(s) URIs are downloaded; an asset already there
	// is used without fetching it again. Empty means DataDir.
	CacheDir string
	// HTTPClient downloads http(s) assets; nil means a client with a 60 s timeout.
	HTTPClient *http.Client
	// Validate, when set, validates each config's data against the config's own Iglu
	// schema (the lead wires it to the Iglu resolver).
	Validate func(ctx context.Context, schemaURI string, data json.RawMessage) error
	// ScriptTimeout bounds one call of a JavaScript enrichment; 0 means DefaultScriptTimeout.
	ScriptTimeout time.Duration
	// ExchangeRatesURL is the Open Exchange Rates API that currency_conversion_config
	// calls; empty means DefaultExchangeRatesURL. Point it at a local service that
	// serves `/historical/YYYY-MM-DD.json` when the pipeline has no internet access.
	ExchangeRatesURL string
	// Logger receives the warnings Load returns; nil means they are only returned.
	Logger *slog.Logger
	// Added names the file being added to the directory (an upload); an enrichment it
	// configures a second time is reported against it, whatever the files' order.
	Added string
}

// DefaultScriptTimeout is the default time limit of one JavaScript enrichment call.
const DefaultScriptTimeout = 5 * time.Second

// Vendors of enrichment configuration schemas.
const (
	VendorSnowplow    = "com.snowplowanalytics.snowplow"
	VendorEnrichments = "com.snowplowanalytics.snowplow.enrichments"
)

// arraySchemaName is the name of the upstream wrapper schema listing several configs.
const arraySchemaName = "enrichments"

// schemaURIRe matches an Iglu URI of an enrichment config schema.
var schemaURIRe = regexp.MustCompile(`^iglu:([a-zA-Z0-9_.-]+)/([a-zA-Z0-9_-]+)/jsonschema/([1-9][0-9]*|0)-([0-9]+)-([0-9]+)$`)

// schemaRef is a parsed config schema URI.
type schemaRef struct {
	URI, Vendor, Name string
	Model             string
}

// parseSchemaRef parses an enrichment config schema URI.
func parseSchemaRef(uri string) (schemaRef, error) {
	m := schemaURIRe.FindStringSubmatch(uri)
	if m == nil {
		return schemaRef{}, fmt.Errorf("schema %q is not an Iglu jsonschema URI", uri)
	}
	if m[1] != VendorSnowplow && m[1] != VendorEnrichments {
		return schemaRef{}, fmt.Errorf("schema %q: vendor %q is not an enrichment vendor", uri, m[1])
	}
	return schemaRef{URI: uri, Vendor: m[1], Name: m[2], Model: m[3]}, nil
}

// envelope is a self-describing config file.
type envelope struct {
	Schema string          `json:"schema"`
	Data   json.RawMessage `json:"data"`
}

// configData is the data of one enrichment config.
type configData struct {
	Vendor        string          `json:"vendor"`
	Name          string          `json:"name"`
	Enabled       *bool           `json:"enabled"`
	Parameters    json.RawMessage `json:"parameters"`
	EmitEvent     *bool           `json:"emitEvent"`     // pii_enrichment_config only
	AnonymousOnly *bool           `json:"anonymousOnly"` // pii_enrichment_config only
}

// config is one checked config, ready to build.
type config struct {
	ref  schemaRef
	data configData
	raw  json.RawMessage // the data object as read
	src  string          // file name or "config #n", for errors
	// script is the plain-text script of a Micro *.js file; nil for JSON configs.
	script []byte
}

// params decodes the parameters into v; missing parameters decode as {}.
func (c *config) params(v any) error {
	raw := c.data.Parameters
	if len(raw) == 0 || string(raw) == "null" {
		raw = json.RawMessage("{}")
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fmt.Errorf("parameters.%s: must be %s, not %s", te.Field, jsonType(te.Type.String()), te.Value)
		}
		return fmt.Errorf("parameters: %w", err)
	}
	return nil
}

// jsonType names a Go type the way a config author thinks of it.
func jsonType(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.HasPrefix(goType, "map"), strings.Contains(goType, "struct"), strings.Contains(goType, "."):
		return "an object"
	case goType == "string", goType == "*string":
		return "a string"
	case goType == "bool", goType == "*bool":
		return "a boolean"
	}
	return "a " + goType
}

// fieldErr reports a problem with one parameter.
func fieldErr(path, format string, args ...any) error {
	return fmt.Errorf("parameters.%s: %s", path, fmt.Sprintf(format, args...))
}

// base implements Info for every enrichment.
type base struct{ info enrich.EnrichmentInfo }

// Info implements enrich.Enrichment.
func (b *base) Info() enrich.EnrichmentInfo { return b.info }

// newBase builds the identity of an enrichment from its config.
func newBase(c *config, step int) base {
	return base{info: enrich.EnrichmentInfo{Step: step, SchemaKey: c.ref.URI, Identifier: Identifier(c.ref.Name)}}
}

// Identifier is the name an enrichment has in failures (enrichments.md §1): `ua-parser`
// for ua_parser_config, else the config name with `_` → `-` and without a `_config` or
// `_enrichment` suffix.
func Identifier(name string) string {
	if name == "ua_parser_config" {
		return "ua-parser"
	}
	name = strings.TrimSuffix(name, "_config")
	name = strings.TrimSuffix(name, "_enrichment")
	return strings.ReplaceAll(name, "_", "-")
}

// errorf is fmt.Errorf, named for parameter messages.
func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
