package plans

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/plowbox/plowbox/enrich/event"
	"github.com/plowbox/plowbox/enrich/iglu"
)

// Verdict statuses.
const (
	StatusValid     = "valid"     // every matched specification holds
	StatusInvalid   = "invalid"   // some matched specification does not hold
	StatusUnplanned = "unplanned" // no specification matches the event
	StatusUnknown   = "unknown"   // the event names a specification the plans do not have
)

// Schemas of the entities an event names its specification with and Snowplow's
// pipeline answers with.
const (
	EventSpecificationVendor = "com.snowplowanalytics.snowplow"
	EventSpecificationName   = "event_specification"
	ValidationSchema         = "iglu:com.snowplowanalytics.snowplow/event_specification_validation/jsonschema/1-0-0"
)

// Verdict is the outcome of checking one event against the plans.
type Verdict struct {
	Status  string       `json:"status"`
	Message string       `json:"message,omitempty"` // for unknown: "unknown event specification <id>"
	Specs   []SpecResult `json:"specs"`
	// Named is true when the event named its specification (the event_specification
	// entity), which is when Snowplow's pipeline adds its validation entity.
	Named bool `json:"named,omitempty"`
}

// SpecResult is the check of an event against one specification.
type SpecResult struct {
	ID            string  `json:"id"`
	Name          string  `json:"name"`
	DataProductID string  `json:"data_product_id"`
	DataProduct   string  `json:"data_product"`
	Valid         bool    `json:"valid"`
	Errors        []Error `json:"errors"`
}

// Error is one failed check: {"message", "schema", "path"}, as in Snowplow's
// event_specification_validation entity.
type Error struct {
	Message string  `json:"message"`
	Schema  *string `json:"schema"`
	Path    *string `json:"path"`
}

// Entity is one self-describing entity of an event.
type Entity struct {
	Schema string          `json:"schema"`
	Data   json.RawMessage `json:"data"`
}

// Event is what the check reads of an enriched event.
type Event struct {
	AppID    string
	Schema   string          // the event's schema URI, as /micro/good reports it
	Data     json.RawMessage // the self-describing event's data, or the atomic fields of a built-in event
	Contexts []Entity        // tracker-sent entities
	Derived  []Entity        // derived_contexts
	// lazyData, when set, makes Data on first use (the atomic fields of a built-in
	// event, which only a narrowed schema reads).
	lazyData func() json.RawMessage
}

// data returns the event's data, making it on first use.
func (ev *Event) data() json.RawMessage {
	if ev.Data == nil && ev.lazyData != nil {
		ev.Data = ev.lazyData()
	}
	return ev.Data
}

// FromEnriched takes what the check reads from an enriched event.
func FromEnriched(e *event.Event) Event {
	ev := Event{AppID: e.Get(event.AppID), Schema: e.SchemaURI()}
	ev.Contexts = entities(e.Get(event.Contexts))
	ev.Derived = entities(e.Get(event.DerivedContexts))
	if ue := e.Get(event.UnstructEvent); ue != "" {
		var sdj Entity
		if json.Unmarshal([]byte(ue), &sdj) == nil {
			ev.Data = sdj.Data
		}
	}
	if ev.Data == nil {
		ev.lazyData = func() json.RawMessage { return atomicData(e) }
	}
	return ev
}

// atomicData is the analytics-SDK JSON of a built-in event without its entities.
func atomicData(e *event.Event) json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(e.AppendSDKJSON(nil), &m) != nil {
		return json.RawMessage("{}")
	}
	for k := range m {
		if strings.HasPrefix(k, "contexts_") || strings.HasPrefix(k, "unstruct_event") {
			delete(m, k)
		}
	}
	b, _ := json.Marshal(m)
	return b
}

// entities parses a contexts column: a JSON array of self-describing entities.
func entities(s string) []Entity {
	if s == "" {
		return nil
	}
	var out []Entity
	if json.Unmarshal([]byte(s), &out) != nil {
		return nil
	}
	return out
}

// NamedSpec returns the id in the event's event_specification entity, if any.
func (ev *Event) NamedSpec() (string, bool) {
	for _, en := range ev.Contexts {
		k, err := iglu.ParseSchemaKey(en.Schema)
		if err != nil || k.Vendor != EventSpecificationVendor || k.Name != EventSpecificationName || k.Version.Model != 1 {
			continue
		}
		var d struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(en.Data, &d) == nil && d.ID != "" {
			return d.ID, true
		}
	}
	return "", false
}

// Check matches ev to its specifications and checks it against each. It never fails:
// with no plans every event is unplanned.
func (p *Plans) Check(ev *Event) Verdict {
	if id, ok := ev.NamedSpec(); ok {
		s := p.Spec(id)
		if s == nil {
			return Verdict{Status: StatusUnknown, Message: "unknown event specification " + id, Specs: []SpecResult{}, Named: true}
		}
		v := verdictOf([]SpecResult{s.check(ev, true)})
		v.Named = true
		return v
	}
	evKey, err := iglu.ParseSchemaKey(ev.Schema)
	if err != nil {
		return Verdict{Status: StatusUnplanned, Specs: []SpecResult{}}
	}
	var cands []*Spec
	for _, s := range p.Specs() {
		if s.Source == nil || !sameModel(*s.Source, evKey) {
			continue
		}
		if ids := s.AppIDs(); ids != nil && !slices.Contains(ids, ev.AppID) {
			continue
		}
		cands = append(cands, s)
	}
	if len(cands) == 0 {
		return Verdict{Status: StatusUnplanned, Specs: []SpecResult{}}
	}
	var matched []*Spec
	for _, s := range cands {
		if s.schema == nil || s.schema.Validate(ev.data()) == nil {
			matched = append(matched, s)
		}
	}
	if len(matched) == 0 {
		matched = cands // invalid against every candidate
	}
	res := make([]SpecResult, len(matched))
	for i, s := range matched {
		res[i] = s.check(ev, false)
	}
	return verdictOf(res)
}

func verdictOf(res []SpecResult) Verdict {
	v := Verdict{Status: StatusValid, Specs: res}
	for _, r := range res {
		if !r.Valid {
			v.Status = StatusInvalid
		}
	}
	return v
}

// sameModel reports whether a and b have the same vendor, name and model.
func sameModel(a, b iglu.SchemaKey) bool {
	return a.Vendor == b.Vendor && a.Name == b.Name && a.Format == b.Format && a.Version.Model == b.Version.Model
}

// check checks ev against s. named says the event named s, so that its schema and app id
// were not already used to match it and are checked here.
func (s *Spec) check(ev *Event, named bool) SpecResult {
	r := SpecResult{ID: s.ID, Name: s.Name, DataProductID: s.Product.ID, DataProduct: s.Product.Name, Errors: []Error{}}
	add := func(msg, schema, path string) {
		e := Error{Message: msg}
		if schema != "" {
			e.Schema = &schema
		}
		if path != "" {
			e.Path = &path
		}
		r.Errors = append(r.Errors, e)
	}
	if named {
		if s.Source != nil {
			k, err := iglu.ParseSchemaKey(ev.Schema)
			if err != nil || !sameModel(*s.Source, k) {
				add(fmt.Sprintf("event %s is not the specification's event %s", orNone(ev.Schema), s.Source), ev.Schema, "")
			}
		}
		if ids := s.AppIDs(); ids != nil && !slices.Contains(ids, ev.AppID) {
			add(fmt.Sprintf("app_id %q is not one of the source applications' app ids [%s]", ev.AppID, strings.Join(ids, ", ")), "", "")
		}
	}
	if s.schema != nil {
		src := ev.Schema
		if s.Source != nil {
			src = s.Source.String()
		}
		for _, rep := range s.schema.Validate(ev.data()) {
			add("event "+src+": "+rep.Message, src, rep.Path)
		}
	}
	for _, a := range s.Apps {
		if len(a.AppIDs) > 0 && !slices.Contains(a.AppIDs, ev.AppID) {
			continue // the rules of another application of the specification
		}
		checkRules(a.Tracked, ev.Contexts, add)
		checkRules(a.Enriched, ev.Derived, add)
	}
	checkRules(s.Tracked, ev.Contexts, add)
	checkRules(s.Enriched, ev.Derived, add)
	r.Valid = len(r.Errors) == 0
	return r
}

// checkRules checks each rule's count, then each of its entities against its schema.
func checkRules(rules []*EntityRule, ents []Entity, add func(msg, schema, path string)) {
	for _, rule := range rules {
		var mine []Entity
		for _, en := range ents {
			if k, err := iglu.ParseSchemaKey(en.Schema); err == nil && sameModel(rule.Key, k) {
				mine = append(mine, en)
			}
		}
		n := len(mine)
		switch {
		case n < rule.Min:
			add(fmt.Sprintf("entity %s: expected at least %d, got %d", rule.Source, rule.Min, n), rule.Source, "")
		case rule.Max >= 0 && n > rule.Max:
			add(fmt.Sprintf("entity %s: expected at most %d, got %d", rule.Source, rule.Max, n), rule.Source, "")
		}
		if rule.schema == nil {
			continue
		}
		for i, en := range mine {
			for _, rep := range rule.schema.Validate(en.Data) {
				msg := "entity " + en.Schema + ": " + rep.Message
				if n > 1 {
					msg = fmt.Sprintf("entity %s (%d of %d): %s", en.Schema, i+1, n, rep.Message)
				}
				add(msg, en.Schema, rep.Path)
			}
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// ValidationEntity is the event_specification_validation entity Snowplow's pipeline adds
// to an event that named its specification: {"isValid", "errors"}; ok is false when the
// event named none.
func (v *Verdict) ValidationEntity() (json.RawMessage, bool) {
	if !v.Named {
		return nil, false
	}
	data := struct {
		IsValid bool    `json:"isValid"`
		Errors  []Error `json:"errors"`
	}{IsValid: v.Status == StatusValid, Errors: []Error{}}
	if v.Status == StatusUnknown {
		data.Errors = append(data.Errors, Error{Message: v.Message})
	}
	for _, s := range v.Specs {
		data.Errors = append(data.Errors, s.Errors...)
	}
	b, _ := json.Marshal(Entity{Schema: ValidationSchema, Data: mustJSON(data)})
	return b, true
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}
