package adapters

import (
	"encoding/json"
	"testing"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/event"
)

// formVendors and jsonVendors are the webhook APIs that take form and JSON bodies.
var (
	formVendors = []API{{"com.mailchimp", "v1"}, {"com.mandrill", "v1"}, {"com.olark", "v1"}, {"com.statusgator", "v1"}, {"com.unbounce", "v1"}, {"com.google.analytics", "v1"}}
	jsonVendors = []API{{"com.hubspot", "v1"}, {"com.mailgun", "v1"}, {"com.marketo", "v1"}, {"com.pagerduty", "v1"}, {"com.sendgrid", "v3"}}
)

// checkAdapt runs every adapter of apis on body and checks the adapter contract: events
// or a failure, never both or neither, and every ue_pr and co valid JSON.
func checkAdapt(t *testing.T, apis []API, ct, body string) {
	reg := NewRegistry(Options{})
	for _, api := range apis {
		a, _ := reg.Lookup(api.Vendor, api.Version)
		p := &collector.Payload{Path: "/" + api.String(), Body: &body, ContentType: &ct}
		evs, f := a.Adapt(p, nil)
		if (f == nil) == (len(evs) == 0) {
			t.Fatalf("%s: %d events and failure %v", api, len(evs), f)
		}
		if f != nil {
			if f.Kind != AdapterFailures || len(f.Messages) == 0 {
				t.Fatalf("%s: failure without messages: %+v", api, f)
			}
			if _, err := json.Marshal(f.Messages); err != nil {
				t.Fatalf("%s: messages do not marshal: %v", api, err)
			}
			continue
		}
		for _, ev := range evs {
			for _, name := range []string{"ue_pr", "co"} {
				if v, ok := ev.Get(name); ok && !json.Valid([]byte(v)) {
					t.Fatalf("%s: %s is not JSON: %s", api, name, v)
				}
			}
			if tv, _ := ev.Get("tv"); tv == "" {
				t.Fatalf("%s: no tv in %v", api, ev)
			}
		}
	}
}

// FuzzWebhookForm feeds arbitrary form bodies to the form-body vendor adapters.
func FuzzWebhookForm(f *testing.F) {
	for _, s := range []string{
		"type=subscribe&data%5Bmerges%5D%5BLNAME%5D=Beemster",
		"mandrill_events=%5B%7B%22event%22%3A%22send%22%2C%22ts%22%3A1%7D%5D",
		"data=%7B%22items%22%3A%5B%7B%22timestamp%22%3A%221.5%22%7D%5D%7D",
		"page_id=1&page_name=n&variant=a&page_url=u&data.json=%7B%7D",
		"t=pageview&dp=x&pr1id=a&il1pi2cd3=v\nt=item&ip=1.005",
		"a=%zz", "=&&=", "data[a][=1", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		checkAdapt(t, formVendors, ctForm, body)
		if form, err := event.ParseQuery(body); err == nil {
			if b := marshalTree(formObject(form, nil, false)); !json.Valid(b) {
				t.Fatalf("formObject gave invalid JSON %s", b)
			}
		}
	})
}

// FuzzWebhookJSON feeds arbitrary JSON bodies to the JSON-body vendor adapters and checks
// that the order-keeping tree round-trips.
func FuzzWebhookJSON(f *testing.F) {
	for _, s := range []string{
		`[{"subscriptionType":"contact.creation","occurredAt":1539145399845}]`,
		`{"signature":{"token":"t","timestamp":"1","signature":"s"},"event-data":{"event":"opened","a-b":{"c_d":1}}}`,
		`{"lead":{"created_at":"2018-06-16 11:23:58"},"datetime":"x"}`,
		`{"messages":[{"type":"incident.trigger","x":"null"}]}`,
		`[{"event":"processed","timestamp":"1.2.3"}]`,
		`{"a":1,"a":2}`, `[`, `"\ud800"`, `1e400`, ``,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		checkAdapt(t, jsonVendors, ctJSON, body)
		v, err := parseTree(body, DefaultMaxJSONDepth)
		if err != nil {
			return
		}
		out := marshalTree(v)
		if !json.Valid(out) {
			t.Fatalf("marshalTree gave invalid JSON %s", out)
		}
		var a, b any
		if json.Unmarshal([]byte(body), &a) == nil && json.Unmarshal(out, &b) == nil && !jsonSame(string(out), body) {
			t.Fatalf("round trip changed %s into %s", body, out)
		}
	})
}
