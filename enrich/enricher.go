package enrich

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/adapters"
	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/enrich/event"
)

// Defaults of Config.
const (
	DefaultMaxPayloadSize = 1048576
	DefaultMaxJSONDepth   = adapters.DefaultMaxJSONDepth
)

// Artifact is plowbox's processor name in bad rows and failure entities.
const Artifact = "plowbox"

// Enricher runs the enrichment pipeline (enriched-event.md §1). It is safe for concurrent use.
type Enricher struct {
	cfg      Config
	proc     badrows.Processor
	name     string // plowbox-<semver>: v_etl
	maxSize  int
	maxDepth int
	now      func() time.Time
	adapters *adapters.Registry
	steps    []step
}

// state is what phase 2 steps share while one event is enriched.
type state struct {
	raw       *event.RawEvent
	issues    *issues
	derived   []json.RawMessage // enrichment contexts, newest step first
	pageQuery event.Params
	pii       json.RawMessage // the PII enrichment's pii_transformation SDJ (emitEvent)
}

// step is one phase 2 step: a built-in or a configured enrichment.
type step struct {
	order int
	run   func(ctx context.Context, e *event.Event, st *state) error
}

// New returns an Enricher for cfg.
func New(cfg Config) *Enricher {
	en := &Enricher{
		cfg:      cfg,
		proc:     badrows.Processor{Artifact: Artifact, Version: cfg.Version},
		name:     Artifact + "-" + cfg.Version,
		maxSize:  cmp.Or(cfg.MaxPayloadSize, DefaultMaxPayloadSize),
		maxDepth: cmp.Or(cfg.MaxJSONDepth, DefaultMaxJSONDepth),
		now:      cfg.Now,
		adapters: cfg.Adapters,
	}
	if en.now == nil {
		en.now = time.Now
	}
	if en.adapters == nil {
		en.adapters = adapters.NewRegistry(adapters.Options{MaxJSONDepth: en.maxDepth})
	}
	en.steps = builtinSteps()
	for _, enr := range cfg.Enrichments {
		en.steps = append(en.steps, enrichmentStep(enr))
	}
	slices.SortStableFunc(en.steps, func(a, b step) int { return cmp.Compare(a.order, b.order) })
	return en
}

// builtinSteps are the phase 2 steps that always run.
func builtinSteps() []step {
	return []step{
		{StepVCollector, func(_ context.Context, e *event.Event, st *state) error { checkVCollector(e, st.issues); return nil }},
		{StepPageURI, func(_ context.Context, e *event.Event, st *state) error { pageURI(e, st.raw, st.issues); return nil }},
		{StepDerivedTstamp, func(_ context.Context, e *event.Event, _ *state) error { derivedTstamp(e); return nil }},
		{StepRefererURI, func(_ context.Context, e *event.Event, st *state) error { refererURI(e, st.issues); return nil }},
		{StepPageQuery, func(_ context.Context, e *event.Event, st *state) error { st.pageQuery = pageQuery(e); return nil }},
		{StepCrossDomain, func(_ context.Context, e *event.Event, st *state) error {
			crossDomain(e, st.pageQuery, st.issues)
			return nil
		}},
		{StepEventSchema, func(_ context.Context, e *event.Event, st *state) error { eventSchema(e, st.issues); return nil }},
	}
}

// enrichmentStep wraps a configured enrichment: its contexts are prepended to the derived
// contexts and its errors recorded as enrichment failures.
func enrichmentStep(enr Enrichment) step {
	info := enr.Info()
	bi := &badrows.EnrichmentInfo{SchemaKey: info.SchemaKey, Identifier: info.Identifier}
	return step{order: info.Step, run: func(ctx context.Context, e *event.Event, st *state) error {
		in := &Input{Raw: st.raw, Derived: st.derived}
		ctxs, err := enr.Enrich(ctx, e, in)
		if errors.Is(err, ErrDrop) {
			return err
		}
		st.derived = in.Derived
		if in.PIITransformation != nil {
			st.pii = in.PIITransformation
		}
		if err != nil {
			var ee *EnrichmentError
			if errors.As(err, &ee) {
				st.issues.addEnrichment(bi, ee.Message)
			} else {
				st.issues.addEnrichment(bi, badrows.ErrorMessage{Error: err.Error()})
			}
		}
		if len(ctxs) > 0 {
			st.derived = append(slices.Clone(ctxs), st.derived...)
		}
		return nil
	}}
}

// Process runs one collector payload through the pipeline and returns its outputs in
// payload order. It never fails: every problem becomes a bad row.
func (en *Enricher) Process(ctx context.Context, p *collector.Payload) *Result {
	res := &Result{Payload: p}
	now := en.now().UTC().Truncate(time.Millisecond)
	if size := p.Size(); size > en.maxSize {
		query, _ := event.ParseQuery(p.Querystring)
		text := string(AppendMicroPayloadJSON(nil, p, query))
		res.Outputs = []Output{{Stage: StageSize, BadRow: badrows.SizeViolation(en.proc, now, en.maxSize, size, text)}}
		return res
	}
	query, msg := load(p)
	if msg != nil {
		res.Outputs = []Output{{Stage: StageLoad, BadRow: badrows.CollectorPayloadFormatViolation(en.proc, now, msg, badrows.ThriftBase64(p))}}
		return res
	}
	vendor, version, _ := p.API()
	evs, fail := en.adapters.Adapt(p, query)
	if fail != nil {
		var row []byte
		if fail.Kind == adapters.TrackerProtocolViolations {
			row = badrows.TrackerProtocolViolations(en.proc, now, vendor, version, fail.Messages, p)
		} else {
			row = badrows.AdapterFailures(en.proc, now, vendor, version, fail.Messages, p)
		}
		res.Outputs = []Output{{Stage: StageAdapter, BadRow: row}}
		return res
	}
	res.Outputs = make([]Output, 0, len(evs))
	for _, ps := range evs {
		raw := &event.RawEvent{Vendor: vendor, Version: version, Params: ps, Payload: p}
		if out, ok := en.enrich(ctx, raw, now); ok {
			res.Outputs = append(res.Outputs, out)
		}
	}
	return res
}

// enrich runs phases 1-3 on one raw event and classifies it; ok is false when an
// enrichment dropped the event.
func (en *Enricher) enrich(ctx context.Context, raw *event.RawEvent, now time.Time) (Output, bool) {
	p := raw.Payload
	e := &event.Event{}
	is := &issues{}

	// Phase 1: setup and the parameter map.
	e.Set(event.EventID, newUUID())
	e.Set(event.VCollector, event.CleanTSV(p.Collector))
	e.Set(event.VEtl, en.name)
	e.SetTime(event.EtlTstamp, now)
	var setup []badrows.DataReport
	if y := p.Timestamp.UTC().Year(); y < 0 || y > 9999 {
		setup = append(setup, badrows.DataReport{Message: "the year must be between 0 and 9999", Path: "collector_tstamp",
			Keyword: "atomic_field_parse_error", Targets: []string{}})
	} else {
		e.SetTime(event.CollectorTstamp, p.Timestamp)
	}
	if p.NetworkUserID != nil {
		e.Set(event.NetworkUserid, event.CleanTSV(*p.NetworkUserID))
	}
	e.Set(event.UserIPAddress, event.CleanTSV(clientIP(p)))
	if p.UserAgent != nil {
		e.Set(event.Useragent, cleanUserAgent(*p.UserAgent))
	}
	if reps := append(setup, applyParams(e, raw.Params)...); len(reps) > 0 {
		is.add(1, sourceAtomic, validationError(AtomicSchema, reps), nil)
	}
	infos := en.selfDescribing(ctx, e, raw.Params, now, is)

	// Phase 2: built-ins and configured enrichments in the fixed order.
	st := &state{raw: raw, issues: is}
	for _, s := range en.steps {
		if err := s.run(ctx, e, st); errors.Is(err, ErrDrop) {
			return Output{}, false
		}
	}

	// Phase 3: derived contexts and atomic lengths.
	derived := st.derived
	if en.cfg.Validator != nil {
		kept := derived[:0:0]
		for _, d := range derived {
			if out, info, ok := en.validateEntity(ctx, d, sourceDerived, is); ok {
				kept = append(kept, out)
				infos = append(infos, info...)
			}
		}
		derived = kept
	}
	if reps := checkLengths(e, en.cfg.FieldLimits, en.cfg.AcceptInvalid); len(reps) > 0 {
		is.add(3, sourceAtomic, validationError(AtomicSchema, reps), nil)
	}

	// Compose derived_contexts: failure entities, enrichment contexts, validation_info.
	all := make([]string, 0, len(is.list)+len(derived)+len(infos))
	for _, i := range is.list {
		f := i.entity
		f.Timestamp, f.Processor = now, en.proc
		all = append(all, string(badrows.FailureEntity(f)))
	}
	for _, d := range derived {
		all = append(all, string(d))
	}
	for _, d := range infos {
		all = append(all, string(d))
	}
	if len(all) > 0 {
		e.Set(event.DerivedContexts, "["+strings.Join(all, ",")+"]")
	}

	out := Output{Stage: StageGood, Raw: raw, Event: e}
	switch {
	case is.has(1):
		out.BadRow = badrows.SchemaViolations(en.proc, now, is.messages(1, 3), e, raw)
	case is.has(2):
		out.BadRow = badrows.EnrichmentFailures(en.proc, now, is.enrichmentMessages(), e, raw)
	case is.has(3):
		out.BadRow = badrows.SchemaViolations(en.proc, now, is.messages(3), e, raw)
	}
	if out.BadRow != nil {
		out.Stage = StageValidation
	} else if st.pii != nil {
		out.PII = en.piiEvent(e, st.pii)
	}
	return out, true
}
