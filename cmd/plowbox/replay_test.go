package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// checkoutUE is a self-describing checkout event whose schema no registry has until the
// test publishes it.
const checkoutUE = `{"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0","data":{"schema":"iglu:com.acme/checkout/jsonschema/1-0-0","data":{"total":3}}}`

// TestReplay runs bad rows through the pipeline again after their missing schema is
// published, through the real binary: by search, by "all", over the native API and the
// control plane.
func TestReplay(t *testing.T) {
	p := startPlowbox(t, "", "--auth", "none", "--event-log=false")
	send := func(path, contentType, body string) {
		t.Helper()
		method := http.MethodGet
		if body != "" {
			method = http.MethodPost
		}
		if status, b := p.do(t, method, path, contentType, body); status != http.StatusOK {
			t.Fatalf("%s %s: %d %s", method, path, status, b)
		}
	}
	send("/i?e=ue&p=web&tv=t&aid=cart&ue_pr="+url.QueryEscape(checkoutUE), "", "")
	send("/i?e=ue&p=web&tv=t&aid=other&ue_pr="+url.QueryEscape(checkoutUE), "", "")
	ue, _ := json.Marshal(checkoutUE)
	send("/com.snowplowanalytics.snowplow/tp2", "application/json", `{"schema":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4","data":[`+
		`{"e":"pv","p":"web","tv":"t","aid":"cart"},{"e":"ue","p":"web","tv":"t","aid":"cart","ue_pr":`+string(ue)+`}]}`)
	send("/com.acme/v1", "application/json", `{"nobody":"knows this vendor"}`)

	all := func(want string) {
		t.Helper()
		if _, got := p.get(t, "/micro/all"); got != want {
			t.Fatalf("/micro/all = %s, want %s", got, want)
		}
	}
	all(`{"total":5,"good":1,"bad":4}`)

	type answer struct {
		Replayed int `json:"replayed"`
		Good     int `json:"good"`
		StillBad int `json:"still_bad"`
		Records  []struct {
			From, To uint64
			Kind     string
		} `json:"records"`
	}
	replay := func(body string, wantStatus int) answer {
		t.Helper()
		status, b := p.do(t, http.MethodPost, "/plowbox/api/replay", "application/json", body)
		if status != wantStatus {
			t.Fatalf("replay %s: %d %s, want %d", body, status, b, wantStatus)
		}
		var a answer
		if status == http.StatusOK {
			if err := json.Unmarshal([]byte(b), &a); err != nil {
				t.Fatalf("replay %s: %v in %s", body, err, b)
			}
		}
		return a
	}
	for _, body := range []string{`{}`, `not json`, `{"q":"app_id:cart","all":true}`, `{"all":"yes"}`} {
		replay(body, http.StatusBadRequest)
	}

	// Before the schema exists, replaying changes the bad rows' sequences, not their fate.
	a := replay(`{"all":true}`, http.StatusOK)
	if a.Replayed != 4 || a.Good != 0 || a.StillBad != 4 || len(a.Records) != 4 || a.Records[3].Kind != "bad" || a.Records[0].Kind != "incomplete" {
		t.Fatalf("replay all before publishing = %+v", a)
	}
	all(`{"total":5,"good":1,"bad":4}`)

	if status, b := p.do(t, http.MethodPut, "/api/schemas/com.acme/checkout/jsonschema/1-0-0", "application/json",
		`{"self":{"vendor":"com.acme","name":"checkout","format":"jsonschema","version":"1-0-0"},"type":"object","properties":{"total":{"type":"integer"}},"required":["total"]}`); status != http.StatusCreated {
		t.Fatalf("publish the schema: %d %s", status, b)
	}

	// By search: the two checkouts of app cart, not the other one. The batch's page view
	// is not duplicated: only its failed event is re-run.
	a = replay(`{"q":"app_id:cart"}`, http.StatusOK)
	if a.Replayed != 2 || a.Good != 2 || a.StillBad != 0 {
		t.Fatalf("replay app_id:cart = %+v", a)
	}
	all(`{"total":5,"good":3,"bad":2}`)

	// The control plane: the rest. The unknown vendor stays bad.
	status, b := p.form(t, http.MethodPost, "/control-plane/replay", url.Values{"all": {"true"}}, "")
	if status != http.StatusOK || b != "replayed 2: 1 good, 1 still bad" {
		t.Fatalf("control-plane replay = %d %q", status, b)
	}
	all(`{"total":5,"good":4,"bad":1}`)
	if status, b := p.form(t, http.MethodGet, "/control-plane/replay", nil, ""); status != http.StatusMethodNotAllowed {
		t.Errorf("GET /control-plane/replay = %d %q, want 405", status, b)
	}
	if status, b := p.form(t, http.MethodPost, "/control-plane/replay", nil, ""); status != http.StatusBadRequest || !strings.Contains(b, "all=true") {
		t.Errorf("control-plane replay without q or all = %d %q, want 400 saying what to give", status, b)
	}

	// The replayed events are found by search too (the index followed the store).
	var found struct {
		Total int `json:"total"`
	}
	p.getJSON(t, "/plowbox/api/search?q=app_id:cart&kind=good", &found)
	if found.Total != 2+1 {
		t.Errorf("search app_id:cart good = %d hits, want 3", found.Total)
	}
	// The replaced bad rows have left the index: a search waits for the index to reach
	// the replays' records, and the index deletes what they replaced before indexing them.
	p.getJSON(t, "/plowbox/api/search?kind=incomplete,bad", &found)
	if found.Total != 1 {
		t.Errorf("search of bad rows = %d hits, want 1: the replaced ones are still indexed\n%s", found.Total, p.stderr.String())
	}
}
