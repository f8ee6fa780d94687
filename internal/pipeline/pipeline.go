// Package pipeline is the collector's sink: it enriches each payload with the enricher
// in use, stores the result durably and only then lets the collector answer, so what a
// tracker sent is readable the moment it sees its 200. It also prints Snowplow Micro's
// event log (a GOOD or BAD line per event) and the --output stream of good events.
package pipeline

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
)

// Writer is where the pipeline stores what it produced, such as *store.Store.
type Writer interface {
	// WriteSeq stores the outputs of r and returns the sequence of the first; the
	// others follow in order.
	WriteSeq(ctx context.Context, r *enrich.Result) (first uint64, err error)
	// Healthy reports whether writes can succeed.
	Healthy() error
}

// Written is what one payload became once stored: its enrichment result and the
// sequences First, First+1, … of its len(Result.Outputs) records.
type Written struct {
	Result *enrich.Result
	First  uint64
}

// Records is how many records were stored.
func (w Written) Records() int { return len(w.Result.Outputs) }

// Options configures a Pipeline.
type Options struct {
	// Output prints each good event to Stdout: "tsv" (enriched TSV), "json" (flattened
	// JSON) or "" for none, as Micro's --output-tsv and --output-json.
	Output string
	// EventLog prints a GOOD or BAD line per event to Stderr, as Micro does.
	EventLog bool
	Stdout   io.Writer
	Stderr   io.Writer
	// OnEnriched, when set, is told of each result and how long enriching it took,
	// stored or not (metrics).
	OnEnriched func(res *enrich.Result, d time.Duration)
	// OnWritten, when set, is told of each stored payload, with the request's context,
	// before the collector answers (metrics, track-and-wait).
	OnWritten func(ctx context.Context, w Written)
	// Process, when set, runs a payload through the enricher in use instead of its
	// Process (cmd/plowbox/plans.go: test runs).
	Process func(ctx context.Context, en *enrich.Enricher, p *collector.Payload) *enrich.Result
	// Check, when set, completes each result before it is stored, whether its events
	// came from a tracker or from a replay of stored bad rows (Reprocessor): it is where
	// tracking-plan verdicts are taken.
	Check func(res *enrich.Result)
}

// Pipeline enriches, stores and reports collector payloads; it implements
// collector.Sink. Its enricher can be swapped while it runs.
type Pipeline struct {
	enricher atomic.Pointer[enrich.Enricher]
	store    Writer
	opts     Options

	mu  sync.Mutex // guards out and opts.Stderr
	out *bufio.Writer
}

// New returns a pipeline that enriches with e and stores into st.
func New(e *enrich.Enricher, st Writer, opts Options) *Pipeline {
	if opts.Stdout == nil {
		opts.Stdout = io.Discard
	}
	if opts.Stderr == nil {
		opts.Stderr = io.Discard
	}
	p := &Pipeline{store: st, opts: opts, out: bufio.NewWriter(opts.Stdout)}
	p.enricher.Store(e)
	return p
}

// Enricher returns the enricher in use; SetEnricher may replace it at any time.
func (p *Pipeline) Enricher() *enrich.Enricher { return p.enricher.Load() }

// SetEnricher puts e to work for the very next payload; payloads being enriched finish
// with the previous one.
func (p *Pipeline) SetEnricher(e *enrich.Enricher) { p.enricher.Store(e) }

// Write enriches payload, stores the result and returns what it wrote.
func (p *Pipeline) Write(ctx context.Context, payload *collector.Payload) (Written, error) {
	start := time.Now()
	var res *enrich.Result
	if p.opts.Process != nil {
		res = p.opts.Process(ctx, p.enricher.Load(), payload)
	} else {
		res = p.enricher.Load().Process(ctx, payload)
	}
	if p.opts.Check != nil {
		p.opts.Check(res)
	}
	if p.opts.OnEnriched != nil {
		p.opts.OnEnriched(res, time.Since(start))
	}
	w := Written{Result: res}
	first, err := p.store.WriteSeq(ctx, res)
	if err != nil {
		return w, fmt.Errorf("store events: %w", err)
	}
	w.First = first
	if p.opts.OnWritten != nil {
		p.opts.OnWritten(ctx, w)
	}
	if p.opts.Output != "" || p.opts.EventLog {
		p.report(res)
	}
	return w, nil
}

// Sink implements collector.Sink.
func (p *Pipeline) Sink(ctx context.Context, payload *collector.Payload) error {
	_, err := p.Write(ctx, payload)
	return err
}

// Healthy implements the collector's sink-health check.
func (p *Pipeline) Healthy() error { return p.store.Healthy() }

var _ collector.Sink = (*Pipeline)(nil)
