package iglu

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// RegistryRoot returns the directory of the static registry dir: dir itself when it
// holds a schemas directory, or its parent when dir is that schemas directory.
func RegistryRoot(dir string) (string, error) {
	if fi, err := os.Stat(filepath.Join(dir, "schemas")); err == nil && fi.IsDir() {
		return dir, nil
	}
	if filepath.Base(filepath.Clean(dir)) == "schemas" {
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			return filepath.Dir(filepath.Clean(dir)), nil
		}
	}
	return "", fmt.Errorf("%s has no schemas directory: want a static registry laid out as DIR/schemas/<vendor>/<name>/jsonschema/<version>", dir)
}

// ImportReport counts what an import did.
type ImportReport struct {
	Created, Updated, Skipped int
}

// SchemaPutter keeps schemas by path (vendor/name/format/version), such as plowbox's
// store; created is false when the schema replaced one of the same path.
type SchemaPutter interface {
	PutSchema(path string, body []byte, public bool) (created bool, err error)
}

// ImportRegistry stores every valid JSON Schema of the static registry dir in st as a
// public schema, and reports each file it skips (not a schema key path, another format,
// not JSON, no or mismatched self, not valid draft-04) to w.
func ImportRegistry(ctx context.Context, st SchemaPutter, dir string, w io.Writer) (ImportReport, error) {
	var rep ImportReport
	root, err := RegistryRoot(dir)
	if err != nil {
		return rep, fmt.Errorf("import: %w", err)
	}
	schemas := filepath.Join(root, "schemas")
	checker := NewValidator(NewResolver(Options{}), slog.New(slog.DiscardHandler))
	skip := func(path, why string) {
		rep.Skipped++
		fmt.Fprintf(w, "skipped %s: %s\n", path, why)
	}
	err = filepath.WalkDir(schemas, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		rel, err := filepath.Rel(schemas, path)
		if err != nil {
			return err
		}
		key, err := ParseSchemaKey("iglu:" + filepath.ToSlash(rel))
		if err != nil {
			skip(path, "not at schemas/<vendor>/<name>/<format>/<version>: "+err.Error())
			return nil
		}
		if key.Format != "jsonschema" {
			skip(path, "format "+key.Format+" is not validated by plowbox")
			return nil
		}
		body, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		if why := checkImported(key, body, checker); why != "" {
			skip(path, why)
			return nil
		}
		created, err := st.PutSchema(key.Path(), body, true)
		if err != nil {
			return err
		}
		if created {
			rep.Created++
		} else {
			rep.Updated++
		}
		return nil
	})
	if err != nil {
		return rep, fmt.Errorf("import %s: %w", dir, err)
	}
	return rep, nil
}

// checkImported returns why a registry file cannot be imported, "" when it can: it must
// be a JSON Schema whose self names its path and that compiles as draft-04.
func checkImported(key SchemaKey, body []byte, checker *Validator) string {
	var doc struct {
		Self *struct{ Vendor, Name, Format, Version string } `json:"self"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "not a JSON object: " + err.Error()
	}
	if doc.Self == nil {
		return "no self: registry schemas must be self-describing"
	}
	self := "iglu:" + doc.Self.Vendor + "/" + doc.Self.Name + "/" + doc.Self.Format + "/" + doc.Self.Version
	if self != key.String() {
		return "self " + self + " does not match the path " + key.String()
	}
	if issues := checker.CheckSchema(key, body); issues != nil {
		msgs := make([]string, len(issues))
		for i, is := range issues {
			msgs[i] = is.Path + ": " + is.Message
		}
		return "not a valid draft-04 schema: " + strings.Join(msgs, "; ")
	}
	return ""
}
