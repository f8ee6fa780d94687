package expect

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/plowbox/plowbox/internal/plans"
)

// maxHits caps the records read per expectation and evaluation.
const maxHits = 1000

// nearest is how many nearest events a failure shows.
const nearest = 3

// Hit is one record as the query API returns it.
type Hit struct {
	Seq     uint64          `json:"seq"`
	Kind    string          `json:"kind"`
	EventID string          `json:"event_id"`
	Event   map[string]any  `json:"event"`
	Plan    *plans.Verdict  `json:"plan"`
	BadRow  json.RawMessage `json:"bad_row"`
}

// Source is the plowbox that expectations are evaluated against.
type Source interface {
	// Search returns how many records match q and the newest of them (at most size).
	Search(ctx context.Context, q string, size int) (total int, hits []Hit, err error)
	// Wait returns once at least n records match q or timeout passes.
	Wait(ctx context.Context, q string, n int, timeout time.Duration) error
}

// Result is the outcome of one expectation.
type Result struct {
	Name    string   `json:"name"`
	Passed  bool     `json:"passed"`
	Count   int      `json:"count"`
	Message string   `json:"message"`
	Details []string `json:"details,omitempty"` // the nearest events and what differed
	Query   string   `json:"query"`
}

// Report is the outcome of a document.
type Report struct {
	Passed  bool          `json:"passed"`
	Results []Result      `json:"results"`
	Run     string        `json:"run,omitempty"`
	Took    time.Duration `json:"-"`
}

// state is an expectation being evaluated.
type state struct {
	e       *Expectation
	q       string
	matched int // records matching q
	res     Result
	ready   bool // the lower bound and the verdict and field conditions hold
}

// Evaluate waits until every expectation holds or timeout passes (re-checking after each
// matching record arrives, through src.Wait), then judges each, upper bounds included.
// It fails only when src does.
func Evaluate(ctx context.Context, src Source, d *Document, run string, timeout time.Duration) (*Report, error) {
	start := time.Now()
	deadline := start.Add(timeout)
	states := make([]*state, len(d.Expect))
	for i := range d.Expect {
		states[i] = &state{e: &d.Expect[i], q: d.Expect[i].query(run)}
	}
	for {
		for _, s := range states {
			if err := s.eval(ctx, src); err != nil {
				return nil, err
			}
		}
		i := slices.IndexFunc(states, func(s *state) bool { return !s.ready })
		left := time.Until(deadline)
		if i < 0 || left <= 0 {
			break
		}
		// Block until one more record matches the first expectation that does not hold.
		if err := src.Wait(ctx, states[i].q, states[i].matched+1, left); err != nil {
			return nil, err
		}
	}
	rep := &Report{Passed: true, Run: run, Took: time.Since(start)}
	for _, s := range states {
		rep.Results = append(rep.Results, s.res)
		rep.Passed = rep.Passed && s.res.Passed
	}
	return rep, nil
}

// eval counts the expectation's events and judges it.
func (s *state) eval(ctx context.Context, src Source) error {
	total, hits, err := src.Search(ctx, s.q, maxHits)
	if err != nil {
		return fmt.Errorf("%s: %w", s.e.Name, err)
	}
	s.matched = total
	e := s.e
	lo, hi := e.bounds()
	r := Result{Name: e.Name, Query: s.q}

	counted := hits
	var diffs []fieldDiff
	if len(e.Fields) > 0 {
		counted = nil
		for _, h := range hits {
			if d := diff(h, e.Fields); len(d.fields) == 0 {
				counted = append(counted, h)
			} else {
				diffs = append(diffs, d)
			}
		}
	}
	n := len(counted)
	if len(e.Fields) == 0 {
		n = total
	}
	r.Count = n
	var invalid []Hit
	if e.Valid != nil && *e.Valid {
		for _, h := range counted {
			if !validFor(h, e.Spec) {
				invalid = append(invalid, h)
			}
		}
	}
	what := plural(n, "event")
	if len(e.Fields) > 0 {
		what = fmt.Sprintf("%d of %s with the fields", n, plural(total, "event"))
	}
	r.Message = fmt.Sprintf("%s, want %s", what, e.want())
	r.Passed = n >= lo && (hi < 0 || n <= hi) && len(invalid) == 0
	s.ready = n >= lo && len(invalid) == 0
	switch {
	case len(invalid) > 0:
		r.Message += fmt.Sprintf("; %d not valid", len(invalid))
		for _, h := range invalid[:min(nearest, len(invalid))] {
			r.Details = append(r.Details, describe(h)+": "+verdictErrors(h, e.Spec))
		}
	case n < lo && len(diffs) > 0:
		sort.SliceStable(diffs, func(i, j int) bool { return len(diffs[i].fields) < len(diffs[j].fields) })
		for _, d := range diffs[:min(nearest, len(diffs))] {
			r.Details = append(r.Details, describe(d.hit)+": "+strings.Join(d.fields, "; "))
		}
	case n < lo && total == 0:
		r.Details = append(r.Details, "no event matched "+s.q)
	case hi >= 0 && n > hi:
		for _, h := range counted[:min(nearest, len(counted))] {
			r.Details = append(r.Details, describe(h))
		}
	}
	s.res = r
	return nil
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// fieldDiff is an event and the expected fields it differs in.
type fieldDiff struct {
	hit    Hit
	fields []string
}

// diff compares the expected fields with the event's, as strings.
func diff(h Hit, want map[string]any) fieldDiff {
	d := fieldDiff{hit: h}
	names := make([]string, 0, len(want))
	for k := range want {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		w := text(want[k])
		got, ok := h.Event[k]
		switch {
		case !ok || got == nil:
			d.fields = append(d.fields, fmt.Sprintf("%s: missing, want %q", k, w))
		case text(got) != w:
			d.fields = append(d.fields, fmt.Sprintf("%s: got %q, want %q", k, text(got), w))
		}
	}
	return d
}

// text renders a field value as a string: strings as they are, numbers and booleans as
// written in JSON, anything else as compact JSON.
func text(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case json.Number:
		return v.String()
	case int:
		return strconv.Itoa(v)
	case bool:
		return strconv.FormatBool(v)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// validFor reports whether the event's verdict holds: for spec, that specification's
// check; otherwise the whole verdict.
func validFor(h Hit, spec string) bool {
	if h.Plan == nil {
		return false
	}
	if spec != "" {
		for _, s := range h.Plan.Specs {
			if strings.EqualFold(s.ID, spec) || strings.EqualFold(s.Name, spec) {
				return s.Valid
			}
		}
	}
	return h.Plan.Status == plans.StatusValid
}

// verdictErrors renders the errors of an event's verdict.
func verdictErrors(h Hit, spec string) string {
	if h.Plan == nil {
		return "not checked against a plan"
	}
	var msgs []string
	if h.Plan.Message != "" {
		msgs = append(msgs, h.Plan.Message)
	}
	for _, s := range h.Plan.Specs {
		if spec != "" && !strings.EqualFold(s.ID, spec) && !strings.EqualFold(s.Name, spec) {
			continue
		}
		for _, e := range s.Errors {
			msg := e.Message
			if e.Path != nil {
				msg += " (at " + *e.Path + ")"
			}
			msgs = append(msgs, msg)
		}
	}
	if len(msgs) == 0 {
		return "verdict " + h.Plan.Status
	}
	return strings.Join(msgs, "; ")
}

// describe names an event: its kind, name and id, and sequence.
func describe(h Hit) string {
	name, _ := h.Event["event_name"].(string)
	if name == "" {
		name = h.Kind
	}
	id := h.EventID
	if id == "" {
		id = "-"
	}
	return fmt.Sprintf("%s %s (seq %d)", name, id, h.Seq)
}
