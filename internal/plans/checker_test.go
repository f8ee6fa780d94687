package plans

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

// acceptAll stands in for the Iglu registry: the schemas of these tests are not in Iglu
// Central, and their validation is not what is tested here.
type acceptAll struct{}

func (acceptAll) Validate(_ context.Context, schema string, _ json.RawMessage) enrich.Validation {
	return enrich.Validation{Schema: schema}
}

// process runs a GET /i with params through the real enricher.
func process(t testing.TB, params url.Values) *enrich.Result {
	t.Helper()
	en := enrich.New(enrich.Config{Version: "1.0.0", Validator: acceptAll{}})
	ua := "Mozilla/5.0 (test)"
	p := &collector.Payload{Schema: collector.PayloadSchema, IPAddress: "203.0.113.7", Timestamp: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC),
		Encoding: "UTF-8", Collector: "plowbox-1.0.0", UserAgent: &ua, Path: "/i", Querystring: params.Encode()}
	return en.Process(context.Background(), p)
}

func trackerParams(ue string, ents ...Entity) url.Values {
	var parts []string
	for _, e := range ents {
		b, _ := json.Marshal(e)
		parts = append(parts, string(b))
	}
	q := url.Values{"e": {"ue"}, "p": {"web"}, "tv": {"js-4.0.0"}, "aid": {"shop"},
		"ue_pr": {`{"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0","data":{"schema":"` + cartAction + `","data":` + ue + `}}`},
		"co":    {`{"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0","data":[` + strings.Join(parts, ",") + `]}`}}
	return q
}

func TestCheckerApply(t *testing.T) {
	c := NewChecker(loadShop(t))
	tests := []struct {
		name       string
		params     url.Values
		status     string
		validation string // the event_specification_validation entity; "" for none
	}{
		{"matched, valid, not named", trackerParams(`{"type":"add_to_cart"}`, webPage, cartEUR), StatusValid, ""},
		{"named, invalid: stays good", trackerParams(`{"type":"add_to_cart"}`, webPage, named(specAdd)), StatusInvalid,
			`{"schema":"iglu:com.snowplowanalytics.snowplow/event_specification_validation/jsonschema/1-0-0","data":{"isValid":false,"errors":[{"message":"entity iglu:com.acme/cart/jsonschema/1-0-0: expected at least 1, got 0","schema":"iglu:com.acme/cart/jsonschema/1-0-0","path":null}]}}`},
		{"named, valid", trackerParams(`{"type":"add_to_cart"}`, webPage, cartEUR, named(specAdd)), StatusValid,
			`{"schema":"iglu:com.snowplowanalytics.snowplow/event_specification_validation/jsonschema/1-0-0","data":{"isValid":true,"errors":[]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := process(t, tt.params)
			c.Apply(res)
			if len(res.Outputs) != 1 {
				t.Fatalf("outputs %d", len(res.Outputs))
			}
			o := res.Outputs[0]
			if o.Stage != enrich.StageGood {
				t.Errorf("stage %v: a verdict turned the event bad", o.Stage)
			}
			var v Verdict
			if err := json.Unmarshal(o.Plan, &v); err != nil || v.Status != tt.status {
				t.Errorf("plan %s, want status %s", o.Plan, tt.status)
			}
			dc := o.Event.Get(event.DerivedContexts)
			var ents []json.RawMessage
			if dc != "" {
				if err := json.Unmarshal([]byte(dc), &ents); err != nil {
					t.Fatalf("derived_contexts %s: %v", dc, err)
				}
			}
			var got string
			for _, e := range ents {
				if strings.Contains(string(e), ValidationSchema) {
					got = string(e)
				}
			}
			if got != tt.validation {
				t.Errorf("validation entity\n%s\nwant\n%s", got, tt.validation)
			}
		})
	}
}

func TestCheckerWithoutPlans(t *testing.T) {
	c := NewChecker(nil)
	res := process(t, trackerParams(`{"type":"add_to_cart"}`, webPage))
	c.Apply(res)
	if res.Outputs[0].Plan != nil {
		t.Errorf("an event was given a verdict with no plans loaded: %s", res.Outputs[0].Plan)
	}
	res = process(t, trackerParams(`{"type":"add_to_cart"}`, webPage, named(specAdd)))
	c.Apply(res)
	var v Verdict
	if err := json.Unmarshal(res.Outputs[0].Plan, &v); err != nil || v.Status != StatusUnknown {
		t.Errorf("a named specification with no plans: %s", res.Outputs[0].Plan)
	}
}
