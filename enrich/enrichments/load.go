package enrichments

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/plowbox/plowbox/enrich"
)

// LacksData is in the warning of an enrichment left out because a data file it needs
// cannot be had (a MissingDataError): "<file>: <name> lacks data, so it does not run: <why>".
const LacksData = "lacks data, so it does not run:"

// Load reads the enrichment configs in dir (enrichments.md §1): every *.json file, each a
// self-describing config or the upstream `enrichments` array of configs, and every *.js
// file, which becomes a JavaScript enrichment of that plain-text script (Micro's form).
// Disabled configs are skipped. Configs that plowbox accepts but does not run give a
// warning, as do unknown names and enrichments whose data files cannot be had (not on
// disk, not downloadable: see LacksData), which are left out. Any broken config (a
// mistake in it, or a data file that is there but unreadable) makes Load fail with an
// error naming the file and the problem, and no enrichments at all are returned.
//
// Load keeps no state between calls: calling it again builds a fresh, independent set
// (a reload) while an earlier set keeps serving events; release each set with Close once
// no new events go through it.
func Load(dir string, opts Options) ([]enrich.Enrichment, []string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("read enrichments directory: %w", err)
	}
	var cfgs []config
	for _, de := range entries {
		name := de.Name()
		if de.IsDir() || !IsConfigFile(name) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, nil, fmt.Errorf("read enrichment config: %w", err)
		}
		cs, err := parseEntry(name, b)
		if err != nil {
			return nil, nil, err
		}
		cfgs = append(cfgs, cs...)
	}
	return build(cfgs, opts)
}

// IsConfigFile reports whether Load reads a file of this name: *.json or *.js.
func IsConfigFile(name string) bool {
	ext := filepath.Ext(name)
	return ext == ".json" || ext == ".js"
}

// Check checks one enrichment config file before it is put in an enrichments directory
// (the control plane validates an upload with it): name is the file name, which says
// whether data is a JSON config (*.json) or a Micro-style script (*.js). The config is
// checked and built exactly as Load would, so assets are fetched and opened and scripts
// compiled, then released. It returns the warnings Load would give for the file (an
// unsupported enrichment, an unknown name); the error names the file and the problem.
// Checks across files (an enrichment configured twice) are left to Load.
func Check(name string, data []byte, opts Options) ([]string, error) {
	if !IsConfigFile(name) {
		return nil, fmt.Errorf("%s: an enrichment config must be a *.json or *.js file", name)
	}
	cfgs, err := parseEntry(name, data)
	if err != nil {
		return nil, err
	}
	opts.Logger = nil // the caller reports the warnings
	list, warnings, err := build(cfgs, opts)
	if err != nil {
		return nil, err
	}
	if err := Close(list); err != nil {
		return nil, fmt.Errorf("%s: release checked enrichment: %w", name, err)
	}
	return warnings, nil
}

// CheckFile is Check for a file on disk.
func CheckFile(path string, opts Options) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read enrichment config: %w", err)
	}
	return Check(filepath.Base(path), b, opts)
}

// parseEntry parses one file of an enrichments directory.
func parseEntry(name string, b []byte) ([]config, error) {
	if filepath.Ext(name) == ".js" {
		return []config{scriptConfig(name, b)}, nil
	}
	return parseFile(name, b)
}

// LoadConfigs builds enrichments from configs held in memory, each a self-describing
// config (or an `enrichments` array of them), with the same checks as Load. Errors name
// a config by its position, e.g. "config #2".
func LoadConfigs(configs []json.RawMessage, opts Options) ([]enrich.Enrichment, []string, error) {
	var cfgs []config
	for i, raw := range configs {
		cs, err := parseFile(fmt.Sprintf("config #%d", i+1), raw)
		if err != nil {
			return nil, nil, err
		}
		cfgs = append(cfgs, cs...)
	}
	return build(cfgs, opts)
}

// scriptConfig turns a Micro *.js file into a JavaScript enrichment config.
func scriptConfig(name string, script []byte) config {
	enabled := true
	return config{
		ref:    schemaRef{URI: "iglu:" + VendorSnowplow + "/javascript_script_config/jsonschema/1-0-0", Vendor: VendorSnowplow, Name: "javascript_script_config", Model: "1"},
		data:   configData{Vendor: VendorSnowplow, Name: "javascript_script_config", Enabled: &enabled},
		src:    name,
		script: script,
	}
}

// parseFile parses one config file: a single config or an `enrichments` array.
func parseFile(src string, b []byte) ([]config, error) {
	var env envelope
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&env); err != nil {
		return nil, fmt.Errorf("%s: not a self-describing JSON config: %w", src, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: unexpected data after the JSON config", src)
	}
	ref, err := parseSchemaRef(env.Schema)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src, err)
	}
	if ref.Name == arraySchemaName {
		var list []json.RawMessage
		if err := json.Unmarshal(env.Data, &list); err != nil {
			return nil, fmt.Errorf("%s: data of %s must be an array of configs: %w", src, env.Schema, err)
		}
		var out []config
		for i, item := range list {
			cs, err := parseFile(fmt.Sprintf("%s[%d]", src, i), item)
			if err != nil {
				return nil, err
			}
			out = append(out, cs...)
		}
		return out, nil
	}
	c := config{ref: ref, raw: env.Data, src: src}
	if len(env.Data) == 0 {
		return nil, fmt.Errorf("%s: missing data", src)
	}
	if err := json.Unmarshal(env.Data, &c.data); err != nil {
		return nil, fmt.Errorf("%s: data must be an object with vendor, name, enabled and parameters: %w", src, err)
	}
	switch {
	case c.data.Enabled == nil:
		return nil, fmt.Errorf("%s: data.enabled is required", src)
	case c.data.Name != "" && c.data.Name != ref.Name:
		return nil, fmt.Errorf("%s: data.name %q does not match the schema name %q", src, c.data.Name, ref.Name)
	case c.data.Vendor != "" && c.data.Vendor != ref.Vendor:
		return nil, fmt.Errorf("%s: data.vendor %q does not match the schema vendor %q", src, c.data.Vendor, ref.Vendor)
	}
	return []config{c}, nil
}

// build checks and builds every enabled config; on any error it closes what it built.
func build(cfgs []config, opts Options) (out []enrich.Enrichment, warnings []string, err error) {
	b := newBuilder(opts)
	defer func() {
		if err != nil {
			closeAll(out)
			out, warnings = nil, nil
		}
	}()
	seen := map[string]string{}
	for i := range cfgs {
		c := &cfgs[i]
		if !*c.data.Enabled {
			continue
		}
		k, known := kinds[c.ref.Name]
		if !known {
			warnings = append(warnings, fmt.Sprintf("%s: unknown enrichment %s; it is ignored", c.src, c.ref.Name))
			continue
		}
		if !slices.Contains(k.models, c.ref.Model) {
			return out, nil, fmt.Errorf("%s: %s: schema version %s is not supported (supported: %s-*-*)",
				c.src, c.ref.Name, c.ref.URI[strings.LastIndexByte(c.ref.URI, '/')+1:], strings.Join(k.models, "-*-*, "))
		}
		if prev, dup := seen[c.ref.Name]; dup && !k.multi {
			return out, nil, fmt.Errorf("%s: %s is already configured by %s", c.src, c.ref.Name, prev)
		}
		seen[c.ref.Name] = c.src
		if opts.Validate != nil && !isScript(c) {
			if err := opts.Validate(context.Background(), c.ref.URI, c.raw); err != nil {
				return out, nil, fmt.Errorf("%s: %s: invalid against its schema: %w", c.src, c.ref.Name, err)
			}
		}
		if k.build == nil {
			warnings = append(warnings, c.ref.Name+": not supported yet; the enrichment does nothing")
			continue
		}
		e, err := safeBuild(k.build, b, c)
		var missing *MissingDataError
		if errors.As(err, &missing) {
			warnings = append(warnings, fmt.Sprintf("%s: %s %s %v", c.src, c.ref.Name, LacksData, err))
			continue
		}
		if err != nil {
			return out, nil, fmt.Errorf("%s: %s: %w", c.src, c.ref.Name, err)
		}
		out = append(out, e)
	}
	if opts.Logger != nil {
		for _, w := range warnings {
			opts.Logger.Warn("enrichment config", "warning", w)
		}
	}
	return out, warnings, nil
}

// safeBuild runs a build function, turning a panic (e.g. a bad regex in a rules file)
// into an error.
func safeBuild(f func(*builder, *config) (enrich.Enrichment, error), b *builder, c *config) (e enrich.Enrichment, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, err = nil, fmt.Errorf("%v", r)
		}
	}()
	return f(b, c)
}

// isScript reports whether c came from a Micro *.js file.
func isScript(c *config) bool { return c.script != nil }

// Close releases the resources held by enrichments built by Load: MaxMind databases are
// unmapped once the lookups in flight are done (later lookups find nothing) and idle
// JavaScript runtimes are dropped. Closing twice is harmless.
func Close(list []enrich.Enrichment) error {
	var errs []error
	for _, e := range list {
		if c, ok := e.(io.Closer); ok {
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...)
}

// closeAll closes enrichments after a failed build, ignoring errors.
func closeAll(list []enrich.Enrichment) { _ = Close(list) }
