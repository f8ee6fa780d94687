package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
	"github.com/plowbox/plowbox/web"
)

// eventWriter is where the pipeline stores what it produced.
type eventWriter interface {
	WriteSeq(ctx context.Context, r *enrich.Result) (first uint64, err error)
	Healthy() error
}

// pipeline is the collector's sink: it enriches each payload, stores the result durably
// and only then lets the collector answer, so what a tracker sent is readable the moment
// it sees its 200. It also prints Micro's event log and the --output stream.
type pipeline struct {
	enricher atomic.Pointer[enrich.Enricher] // swapped whole by a reload (runtime.go)
	store    eventWriter
	format   string // "", "tsv" or "json"
	eventLog bool
	// observe, when set, is told of each result and how long enriching it took (metrics).
	observe func(res *enrich.Result, d time.Duration)
	// process, when set, runs a payload instead of the enricher's Process (plans.go: runs
	// and plan verdicts).
	process func(ctx context.Context, en *enrich.Enricher, p *collector.Payload) *enrich.Result

	mu   sync.Mutex // guards out and logw
	out  *bufio.Writer
	logw io.Writer
}

func newPipeline(e *enrich.Enricher, st eventWriter, stdout, stderr io.Writer, format string, eventLog bool) *pipeline {
	p := &pipeline{store: st, format: format, eventLog: eventLog, out: bufio.NewWriter(stdout), logw: stderr}
	p.enricher.Store(e)
	return p
}

// Enricher returns the enricher in use; a reload may replace it at any time.
func (p *pipeline) Enricher() *enrich.Enricher { return p.enricher.Load() }

// setEnricher puts e to work for the very next payload; payloads being enriched finish
// with the previous one.
func (p *pipeline) setEnricher(e *enrich.Enricher) { p.enricher.Store(e) }

// Sink implements collector.Sink.
func (p *pipeline) Sink(ctx context.Context, payload *collector.Payload) error {
	start := time.Now()
	var res *enrich.Result
	if p.process != nil {
		res = p.process(ctx, p.enricher.Load(), payload)
	} else {
		res = p.enricher.Load().Process(ctx, payload)
	}
	if p.observe != nil {
		p.observe(res, time.Since(start))
	}
	first, err := p.store.WriteSeq(ctx, res)
	if err != nil {
		return fmt.Errorf("store events: %w", err)
	}
	web.NoteWritten(ctx, first, len(res.Outputs)) // for track-and-wait
	if p.format != "" || p.eventLog {
		p.report(res)
	}
	return nil
}

// Healthy implements the collector's sink-health check.
func (p *pipeline) Healthy() error { return p.store.Healthy() }

// report prints the event log lines and the --output records of one result.
func (p *pipeline) report(res *enrich.Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, o := range res.Outputs {
		if o.Stage == enrich.StageGood {
			if p.eventLog {
				ev := o.Event
				fmt.Fprintf(p.logw, "%s EventLog GOOD id:%s app_id:%s type:%s (%s)\n", logTime(), ev.Get(event.EventID), ev.Get(event.AppID), ev.Get(event.EventType), ev.SchemaURI())
			}
			switch p.format {
			case "tsv":
				p.out.Write(o.Event.TSV())
				p.out.WriteByte('\n')
			case "json":
				p.out.Write(o.Event.AppendLossyJSON(nil))
				p.out.WriteByte('\n')
			}
			continue
		}
		if p.eventLog {
			fmt.Fprintf(p.logw, "%s EventLog BAD %s\n", logTime(), badRowSummary(o.BadRow))
		}
	}
	if p.format != "" {
		p.out.Flush()
	}
}

func logTime() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000Z") }

// badRowSummary renders a bad row as its type and failure messages on one line.
func badRowSummary(row []byte) string {
	var br struct {
		Schema string `json:"schema"`
		Data   struct {
			Failure struct {
				Messages json.RawMessage `json:"messages"`
			} `json:"failure"`
		} `json:"data"`
	}
	if err := json.Unmarshal(row, &br); err != nil {
		return string(row)
	}
	kind := br.Schema
	if i := strings.Index(kind, "badrows/"); i >= 0 {
		kind = strings.SplitN(kind[i+len("badrows/"):], "/", 2)[0]
	}
	if len(br.Data.Failure.Messages) == 0 {
		return kind
	}
	return kind + " " + string(br.Data.Failure.Messages)
}
