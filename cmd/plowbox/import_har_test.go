package main

import (
	"os/exec"
	"strings"
	"testing"
)

// plowbox import har sends the Snowplow requests of a phone's HAR capture through the
// collector as they were sent, with their original times, under the given run.
func TestImportHAR(t *testing.T) {
	p := startPlowbox(t, "", "--auth", "none")
	out, err := exec.Command(binary, "import", "har", "testdata/har/shop.har", "--url", p.URL, "--run", "phone-1").CombinedOutput()
	if err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "imported 2 Snowplow requests from testdata/har/shop.har (1 other requests skipped)") {
		t.Errorf("output:\n%s", out)
	}
	var good []goodEvent
	p.getJSON(t, "/micro/good?run=phone-1", &good)
	if len(good) != 2 {
		t.Fatalf("%d good events in the run, want 2", len(good))
	}
	byID := map[string]goodEvent{}
	for _, g := range good {
		byID[g.Event["event_id"].(string)] = g
	}
	pv, se := byID["4c3a8a4e-4f38-4d1c-9a4e-3b8f2e1d0c01"], byID["4c3a8a4e-4f38-4d1c-9a4e-3b8f2e1d0c02"]
	checkFields(t, "page view", pv.Event, map[string]any{
		"collector_tstamp": "2026-11-30T14:05:06.789Z", "page_urlpath": "/products/42",
		"useragent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)", "page_referrer": nil,
	})
	checkFields(t, "struct event", se.Event, map[string]any{"collector_tstamp": "2026-11-30T14:05:08.250Z", "se_action": "add-to-basket"})
	if se.RawEvent.API["version"] != "tp2" {
		t.Errorf("tp2 api %v", se.RawEvent.API)
	}
	status, body := p.get(t, "/micro/all?run=phone-1")
	if status != 200 || body != `{"total":2,"good":2,"bad":0}` {
		t.Errorf("/micro/all?run=phone-1: %d %s", status, body)
	}
}
