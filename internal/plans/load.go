package plans

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/plowbox/plowbox/enrich/iglu"
)

// File is one plan file: its path (slash-separated, relative to where plans are kept) and
// its content.
type File struct {
	Path string
	Body []byte
}

// FileError is a plan file that was refused, with the reason.
type FileError struct {
	Path string
	Err  error
}

// Error implements error.
func (e *FileError) Error() string { return e.Path + ": " + e.Err.Error() }

// Unwrap returns the reason.
func (e *FileError) Unwrap() error { return e.Err }

// IsPlanFile reports whether name is read as a plan file (.yml, .yaml or .json).
func IsPlanFile(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".yml", ".yaml", ".json":
		return true
	}
	return false
}

// ReadDir reads every plan file under dir, in any sub-folder but hidden ones (.github,
// .git). Paths are dir joined with the file's path inside it, so that the files of
// several directories never collide.
func ReadDir(dir string) ([]File, error) {
	var files []File
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != dir && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if d.IsDir() || !IsPlanFile(p) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files = append(files, File{Path: filepath.ToSlash(p), Body: b})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read tracking plans %s: %w", dir, err)
	}
	return files, nil
}

// fileDoc is the envelope of every plan file.
type fileDoc struct {
	APIVersion   string          `json:"apiVersion"`
	ResourceType string          `json:"resourceType"`
	ResourceName string          `json:"resourceName"`
	Data         json.RawMessage `json:"data"`
}

type refDoc struct {
	Ref string `json:"$ref"`
}

type entitiesDoc struct {
	Tracked  []ruleDoc `json:"tracked"`
	Enriched []ruleDoc `json:"enriched"`
}

type ruleDoc struct {
	Source         string          `json:"source"`
	MinCardinality *float64        `json:"minCardinality"` // a JSON number in snowplow-cli's schema
	MaxCardinality *float64        `json:"maxCardinality"`
	Schema         json.RawMessage `json:"schema"`
}

type appDoc struct {
	Name     string      `json:"name"`
	AppIDs   []string    `json:"appIds"`
	Entities entitiesDoc `json:"entities"`
}

type productDoc struct {
	Name                string    `json:"name"`
	Domain              string    `json:"domain"`
	Description         string    `json:"description"`
	Owner               string    `json:"owner"`
	SourceApplications  []refDoc  `json:"sourceApplications"`
	EventSpecifications []specDoc `json:"eventSpecifications"`
}

type specDoc struct {
	ResourceName               string    `json:"resourceName"`
	Name                       string    `json:"name"`
	SourceApplications         []refDoc  `json:"sourceApplications"`
	ExcludedSourceApplications []refDoc  `json:"excludedSourceApplications"`
	Triggers                   []Trigger `json:"triggers"`
	Event                      struct {
		Source string          `json:"source"`
		Schema json.RawMessage `json:"schema"`
	} `json:"event"`
	Entities entitiesDoc `json:"entities"`
}

// Load builds plans from files. A file that does not parse, lacks a required field or has
// a $ref that does not resolve is refused with its path and the reason, and the rest
// still load; files of other resource types are skipped with a debug log.
func Load(files []File, log *slog.Logger) (*Plans, []error) {
	if log == nil {
		log = slog.Default()
	}
	p := &Plans{specs: map[string]*Spec{}}
	var errs []error
	refuse := func(f File, err error) { errs = append(errs, &FileError{Path: f.Path, Err: err}) }

	type product struct {
		f   File
		env fileDoc
		doc productDoc
	}
	var products []product
	apps := map[string]*SourceApp{} // by cleaned path
	for _, f := range files {
		env, err := parseEnvelope(f.Body)
		if err != nil {
			refuse(f, err)
			continue
		}
		switch env.ResourceType {
		case TypeSourceApplication:
			a, err := loadApp(f, env, log)
			if err != nil {
				refuse(f, err)
				continue
			}
			apps[path.Clean(f.Path)] = a
			p.Apps = append(p.Apps, a)
		case TypeDataProduct:
			var doc productDoc
			if err := strictData(env.Data, &doc); err != nil {
				refuse(f, err)
				continue
			}
			products = append(products, product{f, env, doc})
		default:
			log.Debug("tracking plans: skipping a file of another resource type", "path", f.Path, "resourceType", env.ResourceType)
		}
	}
	for _, pr := range products {
		dp, err := loadProduct(pr.f, pr.env, pr.doc, apps, p.specs, log)
		if err != nil {
			refuse(pr.f, err)
			continue
		}
		for _, s := range dp.Specs {
			p.specs[s.ID] = s
		}
		p.Products = append(p.Products, dp)
	}
	return p, errs
}

// parseEnvelope parses a YAML or JSON plan file into its envelope.
func parseEnvelope(body []byte) (fileDoc, error) {
	var v any
	if err := yaml.Unmarshal(body, &v); err != nil {
		return fileDoc{}, fmt.Errorf("not YAML or JSON: %w", err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fileDoc{}, fmt.Errorf("not a JSON-compatible document: %w", err)
	}
	var env fileDoc
	if err := json.Unmarshal(b, &env); err != nil {
		return fileDoc{}, fmt.Errorf("not a plan resource: %w", err)
	}
	switch {
	case env.ResourceType == "":
		return env, errors.New("resourceType is missing")
	case env.ResourceType != TypeDataProduct && env.ResourceType != TypeSourceApplication:
		return env, nil
	case env.ResourceName == "":
		return env, errors.New("resourceName is missing")
	case len(env.Data) == 0 || string(env.Data) == "null":
		return env, errors.New("data is missing")
	}
	return env, nil
}

// strictData decodes a resource's data into doc.
func strictData(data json.RawMessage, doc any) error {
	if err := json.Unmarshal(data, doc); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	return nil
}

func loadApp(f File, env fileDoc, log *slog.Logger) (*SourceApp, error) {
	var doc appDoc
	if err := strictData(env.Data, &doc); err != nil {
		return nil, err
	}
	if doc.Name == "" {
		return nil, errors.New("data.name is missing")
	}
	a := &SourceApp{ID: env.ResourceName, Name: doc.Name, Path: f.Path, AppIDs: doc.AppIDs}
	var err error
	if a.Tracked, err = loadRules("data.entities.tracked", doc.Entities.Tracked, log); err != nil {
		return nil, err
	}
	if a.Enriched, err = loadRules("data.entities.enriched", doc.Entities.Enriched, log); err != nil {
		return nil, err
	}
	return a, nil
}

func loadProduct(f File, env fileDoc, doc productDoc, apps map[string]*SourceApp, known map[string]*Spec, log *slog.Logger) (*DataProduct, error) {
	if doc.Name == "" {
		return nil, errors.New("data.name is missing")
	}
	dp := &DataProduct{ID: env.ResourceName, Name: doc.Name, Domain: doc.Domain, Description: doc.Description, Owner: doc.Owner, Path: f.Path}
	var err error
	if dp.Apps, err = resolveRefs(f.Path, "data.sourceApplications", doc.SourceApplications, apps); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i, sd := range doc.EventSpecifications {
		at := fmt.Sprintf("data.eventSpecifications[%d]", i)
		s, err := loadSpec(f.Path, at, sd, dp, apps, log)
		if err != nil {
			return nil, err
		}
		if seen[s.ID] || known[s.ID] != nil {
			return nil, fmt.Errorf("%s.resourceName %s: another event specification has that id", at, s.ID)
		}
		seen[s.ID] = true
		dp.Specs = append(dp.Specs, s)
	}
	return dp, nil
}

func loadSpec(file, at string, sd specDoc, dp *DataProduct, apps map[string]*SourceApp, log *slog.Logger) (*Spec, error) {
	if sd.ResourceName == "" {
		return nil, fmt.Errorf("%s.resourceName is missing", at)
	}
	if sd.Name == "" {
		return nil, fmt.Errorf("%s.name is missing", at)
	}
	s := &Spec{ID: sd.ResourceName, Name: sd.Name, Product: dp, Triggers: sd.Triggers, Apps: dp.Apps}
	if len(sd.SourceApplications) > 0 {
		list, err := resolveRefs(file, at+".sourceApplications", sd.SourceApplications, apps)
		if err != nil {
			return nil, err
		}
		s.Apps = list
	}
	if len(sd.ExcludedSourceApplications) > 0 {
		ex, err := resolveRefs(file, at+".excludedSourceApplications", sd.ExcludedSourceApplications, apps)
		if err != nil {
			return nil, err
		}
		s.Apps = slices.DeleteFunc(slices.Clone(s.Apps), func(a *SourceApp) bool { return slices.Contains(ex, a) })
	}
	if sd.Event.Source != "" {
		k, err := iglu.ParseSchemaKey(sd.Event.Source)
		if err != nil {
			return nil, fmt.Errorf("%s.event.source %q: %w", at, sd.Event.Source, err)
		}
		s.Source = &k
	}
	if hasSchema(sd.Event.Schema) {
		sch, err := compile(sd.ResourceName, sd.Event.Schema, log)
		if err != nil {
			return nil, fmt.Errorf("%s.event.schema: %w", at, err)
		}
		s.schema = sch
	}
	var err error
	if s.Tracked, err = loadRules(at+".entities.tracked", sd.Entities.Tracked, log); err != nil {
		return nil, err
	}
	if s.Enriched, err = loadRules(at+".entities.enriched", sd.Entities.Enriched, log); err != nil {
		return nil, err
	}
	return s, nil
}

// resolveRefs resolves $refs relative to the directory of the file holding them.
func resolveRefs(file, at string, refs []refDoc, apps map[string]*SourceApp) ([]*SourceApp, error) {
	var out []*SourceApp
	for i, r := range refs {
		if r.Ref == "" {
			return nil, fmt.Errorf("%s[%d].$ref is missing", at, i)
		}
		target := r.Ref
		if !path.IsAbs(target) {
			target = path.Join(path.Dir(file), target)
		}
		a := apps[path.Clean(target)]
		if a == nil {
			return nil, fmt.Errorf("%s[%d].$ref %s: no source application at %s", at, i, r.Ref, target)
		}
		out = append(out, a)
	}
	return out, nil
}

func loadRules(at string, docs []ruleDoc, log *slog.Logger) ([]*EntityRule, error) {
	var out []*EntityRule
	for i, d := range docs {
		where := fmt.Sprintf("%s[%d]", at, i)
		if d.Source == "" {
			return nil, fmt.Errorf("%s.source is missing", where)
		}
		k, err := iglu.ParseSchemaKey(d.Source)
		if err != nil {
			return nil, fmt.Errorf("%s.source %q: %w", where, d.Source, err)
		}
		r := &EntityRule{Source: d.Source, Key: k, Max: -1}
		if d.MinCardinality != nil {
			r.Min = int(*d.MinCardinality)
		}
		if d.MaxCardinality != nil {
			r.Max = int(*d.MaxCardinality)
		}
		if r.Min < 0 || (r.Max >= 0 && r.Max < r.Min) {
			return nil, fmt.Errorf("%s: cardinality %d..%d is not a range", where, r.Min, r.Max)
		}
		if hasSchema(d.Schema) {
			if r.schema, err = compile(k.Name, d.Schema, log); err != nil {
				return nil, fmt.Errorf("%s.schema: %w", where, err)
			}
		}
		out = append(out, r)
	}
	return out, nil
}

func hasSchema(raw json.RawMessage) bool {
	return len(raw) > 0 && string(raw) != "null"
}

// compile compiles an inline draft-04 schema.
func compile(name string, raw json.RawMessage, log *slog.Logger) (*iglu.InlineSchema, error) {
	sch, issues := iglu.CompileInline(name, raw, log)
	if issues != nil {
		msgs := make([]string, len(issues))
		for i, is := range issues {
			msgs[i] = is.Message
		}
		return nil, errors.New(strings.Join(msgs, "; "))
	}
	return sch, nil
}
