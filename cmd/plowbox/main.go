// Command plowbox is a whole Snowplow event pipeline for QA in one binary: a collector,
// in-process enrichment and Iglu validation, a durable event store, the Snowplow Micro API
// and a web UI.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/plowbox/plowbox/enrich/iglu/snapshot"
	"github.com/plowbox/plowbox/internal/options"
)

// version is plowbox's semantic version; release builds set it with -ldflags "-X main.version=…".
var version = "0.1.0"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv)
	stop()
	os.Exit(code)
}

const usage = `plowbox — a Snowplow pipeline for QA in one binary.

Usage:
  plowbox serve [flags]   collect, enrich, store and serve events (see plowbox serve --help)
  plowbox iglu import DIR  load a static Iglu registry (e.g. Iglu Central) into the built-in registry
  plowbox users VERB ...  manage users and API tokens (see plowbox users)
  plowbox bench [flags]   measure ingestion against a loopback plowbox (see plowbox bench --help)
  plowbox bench index [flags]  measure the search index over a generated store
  plowbox bench scale --events N --dir D  fill D with N events and measure the server over it
  plowbox reindex [flags] rebuild the search index from the store (plowbox serve stopped)
  plowbox health [flags]  exit 0 when a running plowbox answers /health (container HEALTHCHECK)
  plowbox expect FILE [flags]  check a running plowbox against a file of expectations (CI verdicts)
  plowbox import har FILE [flags]  send the Snowplow requests of a browser HAR capture through a running plowbox
  plowbox version         print the version and the built-in Iglu Central snapshot's date
`

// run runs one subcommand and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], stdout, stderr, lookupEnv)
	case "iglu":
		err = igluCommand(ctx, args[1:], stdout, stderr, lookupEnv)
	case "users":
		err = usersCommand(ctx, args[1:], os.Stdin, stdout, stderr, lookupEnv)
	case "bench":
		err = bench(ctx, args[1:], stdout, stderr, lookupEnv)
	case "reindex":
		err = reindex(ctx, args[1:], stdout, stderr, lookupEnv)
	case "health":
		err = health(ctx, args[1:], stdout, stderr, lookupEnv)
	case "import":
		err = importCommand(ctx, args[1:], stdout, stderr, lookupEnv)
	case "expect":
		err = expectCommand(ctx, args[1:], stdout, stderr, lookupEnv)
	case "version", "--version", "-v":
		err = printVersion(stdout)
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "plowbox: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		if err == options.ErrUsage {
			return 2
		}
		if code, ok := exitCodeOf(err); ok {
			if msg := err.Error(); msg != "" {
				fmt.Fprintln(stderr, "plowbox:", msg)
			}
			return code
		}
		fmt.Fprintln(stderr, "plowbox:", err)
		return 1
	}
	return 0
}

// printVersion prints plowbox's version and what its Iglu Central snapshot holds.
func printVersion(w io.Writer) error {
	info, err := snapshot.New().Info()
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "plowbox", version)
	fmt.Fprintf(w, "Iglu Central snapshot %s (%s@%s, %d schemas)\n", info.Date, info.Source, info.Commit, info.Schemas)
	return nil
}
