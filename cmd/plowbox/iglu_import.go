package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
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
	rep, err := iglu.ImportRegistry(ctx, st, dir, stderr)
	if cerr := st.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %d schemas from %s into %s (%d new, %d updated); %d skipped\n",
		rep.Created+rep.Updated, dir, data, rep.Created, rep.Updated, rep.Skipped)
	return nil
}
