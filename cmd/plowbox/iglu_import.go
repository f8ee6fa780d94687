package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/plowbox/plowbox/internal/options"

	"github.com/plowbox/plowbox/enrich/iglu"
	"github.com/plowbox/plowbox/store"
)

const igluUsage = `Usage:
  plowbox iglu import DIR [--data DIR]
      load a static Iglu registry (DIR/schemas/<vendor>/<name>/jsonschema/<version>,
      e.g. a checkout of Iglu Central or Micro's iglu-client-embedded) into plowbox's
      built-in registry, so that it validates offline; run it while plowbox serve is
      stopped
`

// igluCommand runs plowbox iglu SUBCOMMAND.
func igluCommand(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "--help" || args[0] == "-h" {
		fmt.Fprint(stderr, igluUsage)
		if len(args) == 0 {
			return options.ErrUsage
		}
		return nil
	}
	switch args[0] {
	case "import":
		return igluImportCommand(ctx, args[1:], stdout, stderr, lookupEnv)
	default:
		fmt.Fprintf(stderr, "plowbox iglu: unknown command %q\n\n%s", args[0], igluUsage)
		return options.ErrUsage
	}
}

// igluImportCommand parses plowbox iglu import's arguments and runs the import.
func igluImportCommand(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	var data string
	opts := []options.Option{{Name: "data", Usage: "data directory of the plowbox to import into", Value: options.String(&data, "./plowbox-data")}}
	flags := flag.NewFlagSet("plowbox iglu import", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Var(opts[0].Value, opts[0].Name, opts[0].Usage)
	flags.Usage = func() { fmt.Fprint(stderr, igluUsage) }
	var dir string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		dir, args = args[0], args[1:]
	}
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return options.ErrUsage
	}
	rest := flags.Args()
	if dir == "" && len(rest) > 0 {
		dir, rest = rest[0], rest[1:]
		if err := flags.Parse(rest); err != nil { // flags after DIR
			return options.ErrUsage
		}
		rest = flags.Args()
	}
	if dir == "" || len(rest) > 0 {
		fmt.Fprint(stderr, igluUsage)
		return options.ErrUsage
	}
	dataSet := false
	flags.Visit(func(f *flag.Flag) { dataSet = dataSet || f.Name == "data" })
	if v, ok := lookupEnv(opts[0].Env()); ok && !dataSet {
		data = v
	}

	st, err := store.Open(data, store.Options{Logger: slog.New(slog.NewTextHandler(stderr, nil))})
	if err != nil {
		return err
	}
	rep, err := importRegistry(ctx, st, dir, stderr)
	if cerr := st.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %d schemas from %s into %s (%d new, %d updated); %d skipped\n",
		rep.created+rep.updated, dir, data, rep.created, rep.updated, rep.skipped)
	return nil
}

// importReport counts what an import did.
type importReport struct {
	created, updated, skipped int
}

// importRegistry stores every valid JSON Schema of the static registry dir in st as a
// public schema, and reports each file it skips (not a schema key path, another format,
// not JSON, no or mismatched self, not valid draft-04) to w.
func importRegistry(ctx context.Context, st *store.Store, dir string, w io.Writer) (importReport, error) {
	var rep importReport
	root, err := registryRoot(dir)
	if err != nil {
		return rep, fmt.Errorf("import: %w", err)
	}
	schemas := filepath.Join(root, "schemas")
	checker := iglu.NewValidator(iglu.NewResolver(iglu.Options{}), slog.New(slog.DiscardHandler))
	skip := func(path, why string) {
		rep.skipped++
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
		key, err := iglu.ParseSchemaKey("iglu:" + filepath.ToSlash(rel))
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
			rep.created++
		} else {
			rep.updated++
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
func checkImported(key iglu.SchemaKey, body []byte, checker *iglu.Validator) string {
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
