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

// benchScaleOptions is the table of plowbox bench scale's options.
func benchScaleOptions(c *loadgen.ScaleConfig) []options.Option {
	return []options.Option{
		{Name: "events", Usage: "events of the simulated site to store", Value: options.Int(&c.Events, 1_000_000)},
		{Name: "dir", Usage: "data directory to fill (required; a store in it is reset)", Value: options.String(&c.Dir, "")},
		{Name: "binary", Usage: "plowbox binary to serve the directory; empty for this one", Value: options.String(&c.Binary, "")},
		{Name: "span", Usage: "time the generated traffic is spread over, ending now", Value: options.Duration(&c.Span, 72*time.Hour)},
		{Name: "per-request", Usage: "events per TP2 request of the generated traffic", Value: options.Int(&c.PerRequest, 10)},
		{Name: "workers", Usage: "goroutines enriching and writing the generated traffic", Value: options.Int(&c.Workers, runtime.NumCPU())},
		{Name: "rounds", Usage: "rounds of the query mix and of the match-all query", Value: options.Int(&c.Rounds, 30)},
		{Name: "profile", Usage: "write CPU profiles of the reindex and of the slowest query into --dir", Value: options.Bool(&c.Profile, true)},
	}
}

// benchScale runs plowbox bench scale: plowbox's figures over a generated store of
// --events events, through the real server.
func benchScale(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	cfg := loadgen.ScaleConfig{Version: version}
	if err := options.Parse("bench scale", benchScaleOptions(&cfg), args, lookupEnv, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	return loadgen.RunScale(ctx, cfg, stdout, stderr)
}
