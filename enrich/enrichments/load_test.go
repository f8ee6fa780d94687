package enrichments

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestFixtures(t *testing.T) {
	data := dataDir(t)
	tests := []struct {
		file        string
		errContains string // "" for a good config
		warning     string
	}{
		{file: "anon_ip.good.json"},
		{file: "anon_ip.bad-range.json", errContains: "parameters.anonOctets: must be from 1 to 4, not 5"},
		{file: "anon_ip.bad-missing.json", errContains: "parameters.anonOctets: is required"},
		{file: "anon_ip.bad-type.json", errContains: "parameters.anonOctets"},
		{file: "anon_ip.bad-enabled.json", errContains: "data.enabled is required"},
		{file: "anon_ip.bad-name.json", errContains: `data.name "ip_lookups" does not match the schema name "anon_ip"`},
		{file: "anon_ip.bad-version.json", errContains: "schema version 2-0-0 is not supported"},
		{file: "anon_ip.bad-json.json", errContains: "not a self-describing JSON config"},
		{file: "ua_parser_config.good.json"},
		{file: "ua_parser_config.lacks-data.json", warning: "ua_parser_config.lacks-data.json: ua_parser_config " + LacksData + " parameters: database file"},
		{file: "ip_lookups.good.json"},
		{file: "ip_lookups.bad-mapping.json", errContains: `parameters.geo.database: must be one of GeoLite2-City.mmdb, GeoIP2-City.mmdb, not "GeoIP2-ISP.mmdb"`},
		{file: "ip_lookups.lacks-data.json", warning: "GeoLite2-City.mmdb: no such file or directory; put GeoLite2-City.mmdb there, or point uri at the directory holding it"},
		{file: "ip_lookups.bad-corrupt.json", errContains: "open MaxMind database"},
		{file: "campaign_attribution.good.json"},
		{file: "campaign_attribution.bad-fields.json", errContains: "parameters.fields.mktCampaign: is required"},
		{file: "campaign_attribution.bad-mapping.json", errContains: `parameters.mapping: must be "static" or "script", not "dynamic"`},
		{file: "referer_parser.good.json"},
		{file: "referer_parser.bad-internal.json", errContains: "parameters.internalDomains: is required"},
		{file: "event_fingerprint_config.good.json"},
		{file: "event_fingerprint_config.bad-algorithm.json", errContains: `parameters.hashAlgorithm: must be one of MD5, SHA1, SHA256, SHA384, SHA512, not "CRC32"`},
		{file: "cookie_extractor_config.good.json"},
		{file: "cookie_extractor_config.bad-cookies.json", errContains: "parameters.cookies: must be an array"},
		{file: "http_header_extractor_config.good.json"},
		{file: "http_header_extractor_config.bad-regex.json", errContains: "parameters.headersPattern: is not a valid regular expression"},
		{file: "pii_enrichment_config.good.json"},
		{file: "pii_enrichment_config.bad-hash.json", errContains: `parameters.strategy.pseudonymize.hashFunction: must be one of MD2, MD5, SHA-1, SHA-256, SHA-384, SHA-512, not "SHA-3"`},
		{file: "pii_enrichment_config.bad-field.json", errContains: `parameters.pii[0].pojo.field: must be one of`},
		{file: "pii_enrichment_config.bad-jsonpath.json", errContains: `parameters.pii[0].json.jsonPath: "email": must start with $`},
		{file: "javascript_script_config.good.json"},
		{file: "javascript_script_config.bad-syntax.json", errContains: "compile script"},
		{file: "javascript_script_config.bad-noprocess.json", errContains: "must define a function process(event)"},
		{file: "javascript_script_config.bad-base64.json", errContains: "parameters.script: must be base64-encoded JavaScript"},
		{file: "iab_spiders_and_robots_enrichment.good.json"},
		{file: "iab_spiders_and_robots_enrichment.bad-database.json", errContains: `parameters.ipFile.database: must be one of ip_exclude_current_cidr.txt, not "ip_exclude.txt"`},
		{file: "iab_spiders_and_robots_enrichment.lacks-data.json", warning: "iab_spiders_and_robots_enrichment " + LacksData + " parameters.includeUseragentFile: database file"},
		{file: "iab_spiders_and_robots_enrichment.bad-missing-param.json", errContains: "parameters.ipFile: is required"},
		{file: "iab_spiders_and_robots_enrichment.bad-list.json", errContains: `exclude_current.txt line 2: primary impact flag (field 5) must be 0, 1 or 2, not "7"`},
		{file: "cross_navigation_config.good.json"},
		{file: "asn_lookups.good.json"},
		{file: "asn_lookups.bad-asn.json", errContains: "parameters.botAsns[0].asn: must be an integer from 0 to 2147483647, not -1"},
		{file: "asn_lookups.bad-csv.json", errContains: `parameters.botAsnsFile: bad-asn-list.csv: line 3: the ASN "fast" is not a number`},
		{file: "weather_enrichment_config.good.json", warning: "weather_enrichment_config: not supported yet; the enrichment does nothing"},
		{file: "bogus.bad-vendor.json", errContains: `vendor "com.acme" is not an enrichment vendor`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			dir := t.TempDir()
			b, err := os.ReadFile(filepath.Join("testdata", "configs", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, tt.file), b, 0o644); err != nil {
				t.Fatal(err)
			}
			list, warnings, err := Load(dir, Options{DataDir: data})
			defer Close(list)
			if tt.errContains != "" {
				if err == nil {
					t.Fatalf("Load succeeded, want error containing %q", tt.errContains)
				}
				if !strings.Contains(err.Error(), tt.errContains) || !strings.Contains(err.Error(), tt.file) {
					t.Fatalf("error %q, want it to name %s and contain %q", err, tt.file, tt.errContains)
				}
				if list != nil {
					t.Fatalf("Load returned %d enrichments with an error", len(list))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.warning != "" {
				if len(warnings) != 1 || !strings.Contains(warnings[0], tt.warning) || len(list) != 0 {
					t.Fatalf("got %d enrichments, warnings %q; want none and %q", len(list), warnings, tt.warning)
				}
				return
			}
			if len(list) != 1 || len(warnings) != 0 {
				t.Fatalf("got %d enrichments, warnings %q; want 1 and none", len(list), warnings)
			}
			info := list[0].Info()
			if info.Step == 0 || !strings.HasPrefix(info.SchemaKey, "iglu:com.snowplowanalytics.snowplow") || info.Identifier == "" {
				t.Fatalf("bad info %+v", info)
			}
		})
	}
}

func TestLoadNoHalfConfiguration(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"anon_ip.good.json", "ip_lookups.bad-corrupt.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", "configs", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	list, warnings, err := Load(dir, Options{DataDir: dataDir(t)})
	if err == nil || list != nil || warnings != nil {
		t.Fatalf("got %d enrichments, %q, %v; want nothing and an error", len(list), warnings, err)
	}
}

func TestLoadForms(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("all.json", `{"schema":"iglu:com.snowplowanalytics.snowplow/enrichments/jsonschema/1-0-0","data":[
	  {"schema":"iglu:com.snowplowanalytics.snowplow/anon_ip/jsonschema/1-0-0","data":{"vendor":"com.snowplowanalytics.snowplow","name":"anon_ip","enabled":true,"parameters":{"anonOctets":1}}},
	  {"schema":"iglu:com.snowplowanalytics.snowplow/event_fingerprint_config/jsonschema/1-0-1","data":{"vendor":"com.snowplowanalytics.snowplow","name":"event_fingerprint_config","enabled":false,"parameters":{}}}]}`)
	write("drop.js", `function process(event) { if (event.getApp_id() === "drop-all") event.drop(); return null; }`)
	write("future.json", `{"schema":"iglu:com.snowplowanalytics.snowplow.enrichments/shiny_new/jsonschema/1-0-0","data":{"vendor":"com.snowplowanalytics.snowplow.enrichments","name":"shiny_new","enabled":true,"parameters":{}}}`)
	write("notes.txt", "ignored")
	var validated []string
	opts := Options{Validate: func(_ context.Context, uri string, data json.RawMessage) error {
		validated = append(validated, uri)
		if !json.Valid(data) {
			return errors.New("invalid")
		}
		return nil
	}}
	list, warnings, err := Load(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer Close(list)
	var ids []string
	for _, e := range list {
		ids = append(ids, e.Info().Identifier)
	}
	if strings.Join(ids, ",") != "anon-ip,javascript-script" {
		t.Fatalf("identifiers %q", ids)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "unknown enrichment shiny_new") {
		t.Fatalf("warnings %q", warnings)
	}
	if strings.Join(validated, ",") != "iglu:com.snowplowanalytics.snowplow/anon_ip/jsonschema/1-0-0" {
		t.Fatalf("validated %q", validated)
	}

	// A config the resolver rejects is refused.
	opts.Validate = func(context.Context, string, json.RawMessage) error {
		return errors.New("$.parameters: additional property")
	}
	if _, _, err := Load(dir, opts); err == nil || !strings.Contains(err.Error(), "all.json[0]: anon_ip: invalid against its schema: $.parameters") {
		t.Fatalf("err %v", err)
	}
}

func TestHTTPAssetDownloadedOnce(t *testing.T) {
	body, err := os.ReadFile(filepath.Join(shared, "referer-parser", "referers.yml"))
	if err != nil {
		t.Fatal(err)
	}
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		if r.URL.Path != "/assets/referers.yml" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	cfg := func(db string) json.RawMessage {
		return json.RawMessage(`{"schema":"iglu:com.snowplowanalytics.snowplow/referer_parser/jsonschema/2-0-1","data":{"vendor":"com.snowplowanalytics.snowplow","name":"referer_parser","enabled":true,"parameters":{"internalDomains":[],"database":"` + db + `","uri":"` + srv.URL + `/assets/"}}}`)
	}
	cache := t.TempDir()
	opts := Options{CacheDir: cache, HTTPClient: srv.Client()}
	for range 2 {
		if _, _, err := LoadConfigs([]json.RawMessage{cfg("referers.yml")}, opts); err != nil {
			t.Fatal(err)
		}
	}
	if hits != 1 {
		t.Fatalf("%d downloads, want 1", hits)
	}
	if _, err := os.Stat(filepath.Join(cache, "referers.yml")); err != nil {
		t.Fatal(err)
	}
	list, warnings, err := LoadConfigs([]json.RawMessage{cfg("missing.yml")}, opts)
	if err != nil || len(list) != 0 || len(warnings) != 1 || !strings.Contains(warnings[0], "404") ||
		!strings.Contains(warnings[0], "put missing.yml in "+cache+", or point uri at a local directory holding it") {
		t.Fatalf("got %d enrichments, warnings %q, %v; want none and a 404 download warning", len(list), warnings, err)
	}
}

func TestIdentifier(t *testing.T) {
	for name, want := range map[string]string{
		"ua_parser_config": "ua-parser", "ip_lookups": "ip-lookups", "iab_spiders_and_robots_enrichment": "iab-spiders-and-robots",
		"pii_enrichment_config": "pii", "javascript_script_config": "javascript-script", "anon_ip": "anon-ip",
	} {
		if got := Identifier(name); got != want {
			t.Errorf("Identifier(%s) = %s, want %s", name, got, want)
		}
	}
}

// The enrichments that need outside services load with a warning and do nothing.
func TestOutsideServicesWarn(t *testing.T) {
	cfg := func(vendor, name, version, params string) json.RawMessage {
		return json.RawMessage(`{"schema":"iglu:` + vendor + `/` + name + `/jsonschema/` + version + `","data":{"vendor":"` + vendor +
			`","name":"` + name + `","enabled":true,"parameters":` + params + `}}`)
	}
	configs := []json.RawMessage{
		cfg(VendorSnowplow, "currency_conversion_config", "1-0-0", `{"accountType":"DEVELOPER","apiKey":"k","baseCurrency":"EUR","rateAt":"EOD_PRIOR"}`),
		cfg(VendorEnrichments, "weather_enrichment_config", "1-0-0", `{"apiKey":"k","apiHost":"history.openweathermap.org","timeout":5,"cacheSize":10,"geoPrecision":1}`),
		cfg(VendorEnrichments, "api_request_enrichment_config", "1-0-2", `{"inputs":[],"api":{"http":{"method":"GET","uri":"http://localhost/x","timeout":1000,"authentication":{}}},"outputs":[],"cache":{"size":1,"ttl":1}}`),
		cfg(VendorEnrichments, "sql_query_enrichment_config", "1-0-1", `{"inputs":[],"database":{"postgresql":{}},"query":{"sql":"SELECT 1"},"output":{},"cache":{"size":1,"ttl":1}}`),
		cfg(VendorEnrichments, "yauaa_enrichment_config", "1-0-0", `{"cacheSize":10}`),
	}
	var logged strings.Builder
	list, warnings, err := LoadConfigs(configs, Options{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 0 {
		t.Fatalf("%d enrichments built, want none", len(list))
	}
	for _, name := range []string{"currency_conversion_config", "weather_enrichment_config", "api_request_enrichment_config",
		"sql_query_enrichment_config", "yauaa_enrichment_config"} {
		want := name + ": not supported yet; the enrichment does nothing"
		if !slices.Contains(warnings, want) {
			t.Errorf("warnings %q lack %q", warnings, want)
		}
		if !strings.Contains(logged.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logged.String())
		}
	}
}
