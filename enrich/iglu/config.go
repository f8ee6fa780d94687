package iglu

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"
)

// ResolverConfigSchema is the criterion of the resolver configurations accepted:
// versions 1-0-0 to 1-0-3.
const ResolverConfigSchema = "iglu:com.snowplowanalytics.iglu/resolver-config/jsonschema/1-0-*"

// ResolverConfig is a parsed Snowplow resolver configuration (iglu.md §4).
type ResolverConfig struct {
	// Version is the resolver-config schema version the file declared, e.g. 1-0-3.
	Version SchemaVer
	// CacheSize is the number of lookups the resolver cache holds.
	CacheSize int
	// CacheTTL is how long cache entries live; nil means forever.
	CacheTTL *time.Duration
	// Repositories are the configured repositories, in file order.
	Repositories []RepositoryConfig
}

// RepositoryConfig is one repository of a resolver configuration. Exactly one of
// HTTP and Embedded is set.
type RepositoryConfig struct {
	Name           string
	Priority       int
	VendorPrefixes []string
	HTTP           *HTTPConnection
	Embedded       *EmbeddedConnection
}

// HTTPConnection is an HTTP repository's connection.
type HTTPConnection struct {
	URI    string
	APIKey string // "" when absent or null
}

// EmbeddedConnection is an embedded repository's connection: a registry directory.
type EmbeddedConnection struct {
	Path string
}

// configVersions are the resolver-config versions accepted and their rules.
var configVersions = map[SchemaVer]struct {
	numbers    bool // cacheSize and priority may be any number (1-0-2+)
	apikey     bool // http.apikey is allowed (1-0-1+)
	ttl        bool // cacheTtl is allowed (1-0-2+)
	ttlMinimum int
}{
	{1, 0, 0}: {},
	{1, 0, 1}: {apikey: true},
	{1, 0, 2}: {numbers: true, apikey: true, ttl: true, ttlMinimum: 1},
	{1, 0, 3}: {numbers: true, apikey: true, ttl: true, ttlMinimum: 0},
}

// ParseResolverConfig parses a self-describing resolver configuration of versions
// 1-0-0 to 1-0-3 and checks it against the rules of its version. Errors name the
// offending JSON path.
func ParseResolverConfig(data []byte) (*ResolverConfig, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("resolver config: not JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("resolver config: trailing data after the JSON document")
	}
	top, ok := doc.(map[string]any)
	if !ok {
		return nil, errors.New("resolver config: want a self-describing JSON object {\"schema\":…,\"data\":…}")
	}
	if err := onlyKeys(top, "$", "schema", "data"); err != nil {
		return nil, err
	}
	schema, ok := top["schema"].(string)
	if !ok {
		return nil, errors.New("resolver config: $.schema is required and must be a string")
	}
	key, err := ParseSchemaKey(schema)
	if err != nil {
		return nil, fmt.Errorf("resolver config: $.schema: %w", err)
	}
	rules, ok := configVersions[key.Version]
	if key.Vendor != "com.snowplowanalytics.iglu" || key.Name != "resolver-config" || key.Format != "jsonschema" || !ok {
		return nil, fmt.Errorf("resolver config: $.schema is %s; want iglu:com.snowplowanalytics.iglu/resolver-config/jsonschema/1-0-0 to 1-0-3", schema)
	}
	data2, ok := top["data"].(map[string]any)
	if !ok {
		return nil, errors.New("resolver config: $.data is required and must be an object")
	}
	p := configParser{version: key.Version}
	cfg := &ResolverConfig{Version: key.Version}
	allowed := []string{"cacheSize", "repositories"}
	if rules.ttl {
		allowed = append(allowed, "cacheTtl")
	}
	if err := p.onlyKeys(data2, "$.data", allowed...); err != nil {
		return nil, err
	}
	if cfg.CacheSize, err = p.count(data2, "$.data", "cacheSize", rules.numbers, true); err != nil {
		return nil, err
	}
	if v, present := data2["cacheTtl"]; present && v != nil {
		n, err := p.integer(v, "$.data.cacheTtl")
		if err != nil {
			return nil, err
		}
		if n < int64(rules.ttlMinimum) {
			return nil, p.errorf("$.data.cacheTtl is %d; the minimum is %d", n, rules.ttlMinimum)
		}
		ttl := time.Duration(min(n, int64(math.MaxInt64/int64(time.Second)))) * time.Second
		cfg.CacheTTL = &ttl
	}
	repos, ok := data2["repositories"]
	if !ok {
		return nil, p.errorf("$.data.repositories is required")
	}
	list, ok := repos.([]any)
	if !ok {
		return nil, p.errorf("$.data.repositories must be an array")
	}
	for i, item := range list {
		rc, err := p.repository(item, fmt.Sprintf("$.data.repositories[%d]", i), rules.numbers, rules.apikey)
		if err != nil {
			return nil, err
		}
		cfg.Repositories = append(cfg.Repositories, rc)
	}
	return cfg, nil
}

// configParser checks one resolver configuration, prefixing errors with its version.
type configParser struct {
	version SchemaVer
}

// errorf returns a configuration error naming the resolver-config version.
func (p configParser) errorf(format string, args ...any) error {
	return fmt.Errorf("resolver config %s: %s", p.version, fmt.Sprintf(format, args...))
}

// onlyKeys rejects properties of obj (at path) outside allowed.
func (p configParser) onlyKeys(obj map[string]any, path string, allowed ...string) error {
	for k := range obj {
		if !slices.Contains(allowed, k) {
			return p.errorf("%s has unknown property %q (allowed: %s)", path, k, strings.Join(allowed, ", "))
		}
	}
	return nil
}

// onlyKeys rejects properties outside allowed before the version is known.
func onlyKeys(obj map[string]any, path string, allowed ...string) error {
	for k := range obj {
		if !slices.Contains(allowed, k) {
			return fmt.Errorf("resolver config: %s has unknown property %q (allowed: %s)", path, k, strings.Join(allowed, ", "))
		}
	}
	return nil
}

// integer reads v as a JSON integer.
func (p configParser) integer(v any, path string) (int64, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, p.errorf("%s must be an integer, got %s", path, jsonType(v))
	}
	i, err := n.Int64()
	if err != nil {
		return 0, p.errorf("%s must be an integer, got %s", path, n)
	}
	return i, nil
}

// count reads obj[name] as an integer, or, when numbers is set, as any number
// (truncated). A required count must be present; counts here are at least 0 when
// nonNegative.
func (p configParser) count(obj map[string]any, path, name string, numbers, nonNegative bool) (int, error) {
	v, ok := obj[name]
	if !ok {
		return 0, p.errorf("%s.%s is required", path, name)
	}
	full := path + "." + name
	var f float64
	if numbers {
		n, ok := v.(json.Number)
		if !ok {
			return 0, p.errorf("%s must be a number, got %s", full, jsonType(v))
		}
		x, err := n.Float64()
		if err != nil {
			return 0, p.errorf("%s: %v", full, err)
		}
		f = x
	} else {
		i, err := p.integer(v, full)
		if err != nil {
			return 0, err
		}
		f = float64(i)
	}
	if nonNegative && f < 0 {
		return 0, p.errorf("%s is %v; the minimum is 0", full, f)
	}
	return int(max(min(f, math.MaxInt32), math.MinInt32)), nil
}

// repository parses one entry of $.data.repositories.
func (p configParser) repository(v any, path string, numbers, apikey bool) (RepositoryConfig, error) {
	var rc RepositoryConfig
	obj, ok := v.(map[string]any)
	if !ok {
		return rc, p.errorf("%s must be an object, got %s", path, jsonType(v))
	}
	if err := p.onlyKeys(obj, path, "name", "priority", "vendorPrefixes", "connection"); err != nil {
		return rc, err
	}
	for _, k := range []string{"name", "priority", "vendorPrefixes", "connection"} {
		if _, ok := obj[k]; !ok {
			return rc, p.errorf("%s.%s is required", path, k)
		}
	}
	if rc.Name, ok = obj["name"].(string); !ok {
		return rc, p.errorf("%s.name must be a string, got %s", path, jsonType(obj["name"]))
	}
	var err error
	if rc.Priority, err = p.count(obj, path, "priority", numbers, false); err != nil {
		return rc, err
	}
	prefixes, ok := obj["vendorPrefixes"].([]any)
	if !ok {
		return rc, p.errorf("%s.vendorPrefixes must be an array of strings, got %s", path, jsonType(obj["vendorPrefixes"]))
	}
	rc.VendorPrefixes = []string{}
	for i, pv := range prefixes {
		s, ok := pv.(string)
		if !ok {
			return rc, p.errorf("%s.vendorPrefixes[%d] must be a string, got %s", path, i, jsonType(pv))
		}
		rc.VendorPrefixes = append(rc.VendorPrefixes, s)
	}
	conn, ok := obj["connection"].(map[string]any)
	cpath := path + ".connection"
	if !ok {
		return rc, p.errorf("%s must be an object, got %s", cpath, jsonType(obj["connection"]))
	}
	if len(conn) != 1 {
		return rc, p.errorf("%s must have exactly one of \"embedded\" or \"http\"", cpath)
	}
	switch {
	case conn["embedded"] != nil:
		e, ok := conn["embedded"].(map[string]any)
		if !ok {
			return rc, p.errorf("%s.embedded must be an object", cpath)
		}
		if err := p.onlyKeys(e, cpath+".embedded", "path"); err != nil {
			return rc, err
		}
		path, ok := e["path"].(string)
		if !ok {
			return rc, p.errorf("%s.embedded.path is required and must be a string", cpath)
		}
		rc.Embedded = &EmbeddedConnection{Path: path}
	case conn["http"] != nil:
		h, ok := conn["http"].(map[string]any)
		if !ok {
			return rc, p.errorf("%s.http must be an object", cpath)
		}
		allowed := []string{"uri"}
		if apikey {
			allowed = append(allowed, "apikey")
		}
		if err := p.onlyKeys(h, cpath+".http", allowed...); err != nil {
			return rc, err
		}
		uri, ok := h["uri"].(string)
		if !ok {
			return rc, p.errorf("%s.http.uri is required and must be a string", cpath)
		}
		if u, err := url.Parse(uri); err != nil || u.Scheme == "" || u.Host == "" {
			return rc, p.errorf("%s.http.uri %q is not an absolute URI such as http://iglucentral.com", cpath, uri)
		}
		rc.HTTP = &HTTPConnection{URI: uri}
		switch k := h["apikey"].(type) {
		case nil:
		case string:
			rc.HTTP.APIKey = k
		default:
			return rc, p.errorf("%s.http.apikey must be a string or null, got %s", cpath, jsonType(k))
		}
	default:
		return rc, p.errorf("%s must have exactly one of \"embedded\" or \"http\"", cpath)
	}
	return rc, nil
}

// jsonType names the JSON type of a decoded value.
func jsonType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		if _, err := v.Int64(); err == nil {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	default:
		return fmt.Sprintf("%T", v)
	}
}
