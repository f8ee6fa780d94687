package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"runtime"
	"time"

	"github.com/plowbox/plowbox/internal/loadgen"
	"github.com/plowbox/plowbox/internal/options"
)

// benchOptions is the table of plowbox bench's options.
func benchOptions(c *loadgen.Config) []options.Option {
	return []options.Option{
		{Name: "binary", Usage: "plowbox binary to measure; empty for this one", Value: options.String(&c.Binary, "")},
		{Name: "duration", Usage: "length of each throughput run", Value: options.Duration(&c.Duration, 5*time.Second)},
		{Name: "concurrency", Usage: "concurrent connections of each throughput run", Value: options.Int(&c.Concurrency, 32)},
		{Name: "rate", Usage: "request rate of the latency run, per second", Value: options.Int(&c.Rate, 1000)},
		{Name: "no-sync", Usage: "run plowbox with --no-sync (measures everything but fsync)", Value: options.Bool(&c.NoSync, false)},
		{Name: "profile", Usage: "file to write a CPU profile of plowbox during the latency run to; empty for none", Value: options.String(&c.Profile, "")},
		{Name: "event-log", Usage: "run plowbox with its per-event GOOD/BAD log on stderr (off, as for a test server that nobody reads)", Value: options.Bool(&c.EventLog, false)},
	}
}

// bench runs plowbox bench: the load generator against a loopback plowbox, or with
// "index" first, the search index benchmark, and with "scale", the at-scale figures.
func bench(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	if len(args) > 0 && args[0] == "index" {
		return benchIndex(ctx, args[1:], stdout, stderr, lookupEnv)
	}
	if len(args) > 0 && args[0] == "scale" {
		return benchScale(ctx, args[1:], stdout, stderr, lookupEnv)
	}
	var cfg loadgen.Config
	if err := options.Parse("bench", benchOptions(&cfg), args, lookupEnv, stderr); err != nil {
		return err
	}
	return loadgen.Run(ctx, cfg, stdout)
}

// benchIndexOptions is the table of plowbox bench index's options.
func benchIndexOptions(c *loadgen.IndexConfig) []options.Option {
	return []options.Option{
		{Name: "events", Usage: "events in the generated store", Value: options.Int(&c.Events, 1_000_000)},
		{Name: "dir", Usage: "data directory to build the store and index in; empty for a temporary one", Value: options.String(&c.Dir, "")},
		{Name: "rounds", Usage: "rounds of the query mix", Value: options.Int(&c.Rounds, 30)},
		{Name: "per-request", Usage: "events per TP2 request of the generated traffic", Value: options.Int(&c.PerRequest, 10)},
		{Name: "span", Usage: "time the generated traffic is spread over", Value: options.Duration(&c.Span, 24*time.Hour)},
		{Name: "reuse", Usage: "reuse the store in --dir when it already has --events records (rebuilds only the index)", Value: options.Bool(&c.Reuse, false)},
		{Name: "keep", Usage: "keep the temporary directory", Value: options.Bool(&c.Keep, false)},
		{Name: "keep-index", Usage: "with --reuse, keep the index in --dir too (measures queries only)", Value: options.Bool(&c.KeepIndex, false)},
		{Name: "workers", Usage: "goroutines enriching and writing the generated traffic", Value: options.Int(&c.Workers, runtime.NumCPU())},
		{Name: "live-rate", Usage: "events/s of the live run: single-event requests written while the index follows; 0 skips it", Value: options.Int(&c.LiveRate, 2000)},
		{Name: "live-duration", Usage: "length of the live run", Value: options.Duration(&c.LiveDuration, 10*time.Second)},
	}
}

// benchIndex runs plowbox bench index.
func benchIndex(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	cfg := loadgen.IndexConfig{Version: version}
	if err := options.Parse("bench index", benchIndexOptions(&cfg), args, lookupEnv, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	return loadgen.RunIndex(ctx, cfg, stdout, stderr)
}
