package plans

import (
	"encoding/json"
	"strings"
	"sync/atomic"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

// Checker checks the events of pipeline results against the plans in use, which a
// reload replaces whole. It is safe for concurrent use.
type Checker struct {
	plans atomic.Pointer[Plans]
}

// NewChecker returns a checker using p (nil: every event is unplanned).
func NewChecker(p *Plans) *Checker {
	c := &Checker{}
	c.Set(p)
	return c
}

// Plans returns the plans in use.
func (c *Checker) Plans() *Plans { return c.plans.Load() }

// Set puts p to use for the very next event.
func (c *Checker) Set(p *Plans) {
	if p == nil {
		p = &Plans{specs: map[string]*Spec{}}
	}
	c.plans.Store(p)
}

// Apply checks every good and incomplete event of res and keeps each verdict with its
// output; an event that named its specification also gets the
// event_specification_validation entity in its derived_contexts, as Snowplow's pipeline
// adds it. A verdict never changes an output's stage. With no plans loaded, only events
// that name a specification are checked (they are "unknown"); the others keep no verdict.
func (c *Checker) Apply(res *enrich.Result) {
	p := c.Plans()
	none := len(p.specs) == 0
	for i := range res.Outputs {
		o := &res.Outputs[i]
		if o.Event == nil {
			continue
		}
		if none && !strings.Contains(o.Event.Get(event.Contexts), "/"+EventSpecificationName+"/") {
			continue
		}
		ev := FromEnriched(o.Event)
		v := p.Check(&ev)
		o.Plan, _ = json.Marshal(v)
		if ent, ok := v.ValidationEntity(); ok {
			appendDerived(o.Event, ent)
		}
	}
}

// appendDerived adds one entity to the event's derived_contexts array.
func appendDerived(e *event.Event, ent json.RawMessage) {
	cur := strings.TrimSpace(e.Get(event.DerivedContexts))
	if cur == "" || !strings.HasSuffix(cur, "]") || cur == "[]" || strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(cur, "["), "]")) == "" {
		e.Set(event.DerivedContexts, "["+string(ent)+"]")
		return
	}
	e.Set(event.DerivedContexts, cur[:len(cur)-1]+","+string(ent)+"]")
}
