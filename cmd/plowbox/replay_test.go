package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
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

// A replay checks what it makes good against the tracking plans, as the collector's
// events are checked: in a test run, two checkouts fail validation (their schema is not
// published yet); once it is, a replay makes them good, and the run's coverage, searches
// and records carry their verdicts (one valid, one against the plan's narrowing).
func TestReplayChecksPlans(t *testing.T) {
	plansDir, err := filepath.Abs("testdata/plans/replay")
	if err != nil {
		t.Fatal(err)
	}
	p := startPlowbox(t, "", "--auth", "none", "--event-log=false", "--tracking-plans", plansDir)
	if status, b := p.do(t, http.MethodPost, "/plowbox/api/runs", "application/json", `{"id":"ci-replay"}`); status != http.StatusCreated {
		t.Fatalf("start the run: %d %s", status, b)
	}
	const valid, invalid = "6b0e1c2d-3f4a-4b5c-8d6e-7f8091a2b3c4", "7c1f2d3e-4a5b-4c6d-9e7f-8091a2b3c4d5"
	for eid, total := range map[string]int{valid: 3, invalid: 0} {
		ue := fmt.Sprintf(`{"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0","data":{"schema":"iglu:com.acme/checkout/jsonschema/1-0-0","data":{"total":%d}}}`, total)
		if status, b := p.get(t, "/i?e=ue&p=web&tv=t&aid=shop&eid="+eid+"&ue_pr="+url.QueryEscape(ue)); status != http.StatusOK {
			t.Fatalf("send checkout: %d %s", status, b)
		}
	}
	if status, b := p.do(t, http.MethodPut, "/api/schemas/com.acme/checkout/jsonschema/1-0-0", "application/json",
		`{"self":{"vendor":"com.acme","name":"checkout","format":"jsonschema","version":"1-0-0"},"type":"object","properties":{"total":{"type":"integer"}},"required":["total"]}`); status != http.StatusCreated {
		t.Fatalf("publish the schema: %d %s", status, b)
	}
	if status, b := p.do(t, http.MethodPost, "/plowbox/api/replay", "application/json", `{"q":"run:ci-replay"}`); status != http.StatusOK || !strings.Contains(b, `"good":2`) {
		t.Fatalf("replay: %d %s", status, b)
	}
	// The wait endpoint answers once the index holds both replayed events with a verdict.
	var waited struct{ Matched int }
	p.getJSON(t, "/plowbox/api/wait?q="+url.QueryEscape(`run:ci-replay AND kind:good AND spec:"Checkout completed"`)+"&n=2&timeout=1m", &waited)
	if waited.Matched != 2 {
		t.Fatalf("replayed events with a verdict: %d, want 2", waited.Matched)
	}

	var run struct {
		Counts   struct{ Good, Incomplete, Bad int }
		Coverage struct {
			DataProducts []struct {
				Specs []struct {
					Name                 string
					Seen, Valid, Invalid int
					Errors               []struct{ Message string }
				}
			} `json:"data_products"`
			Unplanned int
		}
	}
	p.getJSON(t, "/plowbox/api/runs/ci-replay", &run)
	if run.Counts.Good != 2 || run.Counts.Incomplete != 0 || run.Counts.Bad != 0 {
		t.Errorf("run counts after the replay: %+v", run.Counts)
	}
	cov := run.Coverage
	if len(cov.DataProducts) != 1 || len(cov.DataProducts[0].Specs) != 1 || cov.Unplanned != 0 {
		t.Fatalf("run coverage: %+v", cov)
	}
	if s := cov.DataProducts[0].Specs[0]; s.Seen != 2 || s.Valid != 1 || s.Invalid != 1 || len(s.Errors) != 1 || !strings.Contains(s.Errors[0].Message, "$.total") {
		t.Errorf("coverage of %s after the replay: %+v", s.Name, s)
	}
	for eid, status := range map[string]string{valid: "valid", invalid: "invalid"} {
		var rec struct {
			Records []struct {
				Kind string                  `json:"kind"`
				Run  string                  `json:"run"`
				Plan struct{ Status string } `json:"plan"`
			} `json:"records"`
		}
		p.getJSON(t, "/plowbox/api/events/"+eid, &rec)
		if len(rec.Records) != 1 || rec.Records[0].Kind != "good" || rec.Records[0].Run != "ci-replay" || rec.Records[0].Plan.Status != status {
			t.Errorf("event %s after the replay: %+v, want one good record of run ci-replay, %s", eid, rec, status)
		}
	}
}
