package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// putPlans uploads the plan files of dir through the admin API.
func (p *instance) putPlans(t *testing.T, dir string) {
	t.Helper()
	for _, name := range []string{"web.yaml", "shop.yaml"} { // the application first: the product refers to it
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if status, body := p.do(t, http.MethodPut, "/plowbox/api/plans/files/"+name, "application/yaml", string(b)); status != http.StatusOK {
			t.Fatalf("PUT %s: %d %s", name, status, body)
		}
	}
}

// funnel sends testdata/node/funnel.mjs's events under the run prefix and returns their ids.
func (p *instance) funnel(t *testing.T, node, run string) []string {
	t.Helper()
	out, err := exec.Command("node", filepath.Join(node, "funnel.mjs"), p.URL+"/run/"+run).CombinedOutput()
	if err != nil {
		t.Fatalf("node tracker: %v\n%s", err, out)
	}
	var ids []string
	if err := json.Unmarshal(out, &ids); err != nil || len(ids) != 4 {
		t.Fatalf("tracker output %q: %v", out, err)
	}
	return ids
}

// expectRun runs plowbox expect on testdata/plans/expect.yaml for run and returns its
// exit code, output and JUnit report.
func (p *instance) expectRun(t *testing.T, run string, extra ...string) (int, string, []byte) {
	t.Helper()
	junit := filepath.Join(t.TempDir(), "junit.xml")
	md := filepath.Join(t.TempDir(), "report.md")
	cmd := exec.Command(binary, "expect", "testdata/plans/expect.yaml", "--url", p.URL, "--run", run, "--junit", junit, "--markdown", md)
	cmd.Args = append(cmd.Args, extra...)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	report, err := os.ReadFile(junit)
	if err != nil {
		t.Fatalf("no JUnit report: %v\n%s", err, out)
	}
	mdText, err := os.ReadFile(md)
	if err != nil || !strings.Contains(string(mdText), "| E-commerce | Product added to cart |") {
		t.Errorf("Markdown report: %v\n%s", err, mdText)
	}
	return code, string(out), report
}

// The real Node.js tracker sends a shop funnel under a run prefix; plowbox checks every
// event against the tracking plan uploaded through the API. plowbox expect passes on the
// right plan and fails, saying what differed, on a wrong one; its JUnit report parses.
func TestTrackingPlanFunnel(t *testing.T) {
	node := nodeModules(t)
	p := startPlowbox(t, "", "--auth", "none")
	p.putPlans(t, "testdata/plans/right")
	ids := p.funnel(t, node, "ci-right")

	code, out, report := p.expectRun(t, "ci-right")
	if code != 0 {
		t.Fatalf("expect on the right plan: exit %d\n%s", code, out)
	}
	var suite struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Cases    []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
		} `xml:"testcase"`
	}
	if err := xml.Unmarshal(report, &suite); err != nil || suite.Name != "plowbox expect" || suite.Tests != 4 || suite.Failures != 0 {
		t.Errorf("JUnit report (%v): %+v\n%s", err, suite, report)
	}

	// The add to cart named its specification: it carries Snowplow's validation entity,
	// and its record shows plowbox's verdict and run.
	var rec struct {
		Records []struct {
			Seq   uint64 `json:"seq"`
			Run   string `json:"run"`
			Event struct {
				Derived json.RawMessage `json:"derived_contexts"`
			} `json:"event"`
			Plan struct {
				Status string `json:"status"`
				Specs  []struct {
					Name string `json:"name"`
				} `json:"specs"`
			} `json:"plan"`
		} `json:"records"`
	}
	p.getJSON(t, "/plowbox/api/events/"+ids[2], &rec)
	if len(rec.Records) != 1 || rec.Records[0].Run != "ci-right" || rec.Records[0].Plan.Status != "valid" ||
		!strings.Contains(string(rec.Records[0].Event.Derived), `"schema":"iglu:com.snowplowanalytics.snowplow/event_specification_validation/jsonschema/1-0-0","data":{"isValid":true,"errors":[]}`) {
		t.Errorf("add to cart record: %+v", rec)
	}
	// The explorer shows the verdict on the record page and the coverage on the Plans page.
	if status, page := p.get(t, fmt.Sprintf("/micro/ui/records/%d", rec.Records[0].Seq)); status != 200 ||
		!strings.Contains(page, `Tracking plan:`) || !strings.Contains(page, `<span class="badge p-valid">valid</span>`) {
		t.Errorf("record page: %d\n%s", status, page)
	}
	if status, page := p.get(t, "/micro/ui/plans?run=ci-right"); status != 200 || !strings.Contains(page, "Product added to cart") ||
		!strings.Contains(page, "ci-right") {
		t.Errorf("plans page: %d\n%s", status, page)
	}
	var all struct{ Total, Good, Bad int }
	p.getJSON(t, "/micro/all?run=ci-right", &all)
	if all.Good != 4 || all.Bad != 0 {
		t.Errorf("/micro/all?run=ci-right: %+v", all)
	}

	// A plan that wants another currency: the same funnel now fails, and says why.
	for _, name := range []string{"shop.yaml", "web.yaml"} {
		if status, body := p.do(t, http.MethodDelete, "/plowbox/api/plans/files/"+name, "", ""); status != http.StatusOK {
			t.Fatalf("DELETE %s: %d %s", name, status, body)
		}
	}
	p.putPlans(t, "testdata/plans/wrong")
	p.funnel(t, node, "ci-wrong")
	code, out, report = p.expectRun(t, "ci-wrong", "--timeout", "500ms") // a failing expectation waits for the whole timeout
	if code != 1 {
		t.Fatalf("expect on the wrong plan: exit %d, want 1\n%s", code, out)
	}
	for _, want := range []string{
		"PASS  two product views: 2 events, want exactly 2",
		"FAIL  add to cart follows the plan: 1 event, want at least 1; 1 not valid",
		`event iglu:com.snowplowanalytics.snowplow/add_to_cart/jsonschema/1-0-0: $.currency: does not have a value in the enumeration [USD] (at $.currency)`,
		"3 of 4 expectations passed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("expect output lacks %q:\n%s", want, out)
		}
	}
	suite.Cases = nil
	if err := xml.Unmarshal(report, &suite); err != nil || suite.Failures != 1 || suite.Cases[1].Failure == nil ||
		!strings.Contains(suite.Cases[1].Failure.Text, "enumeration [USD]") {
		t.Errorf("JUnit report of the failure (%v): %s", err, report)
	}
	// The first run keeps its verdicts: they were taken when its events arrived.
	var cov struct {
		DataProducts []struct {
			Specs []struct {
				Name        string
				Seen, Valid int
				Invalid     int
			}
		} `json:"data_products"`
	}
	p.getJSON(t, "/plowbox/api/plans/coverage?run=ci-wrong", &cov)
	if len(cov.DataProducts) != 1 || len(cov.DataProducts[0].Specs) != 3 {
		t.Fatalf("coverage: %+v", cov)
	}
	for _, s := range cov.DataProducts[0].Specs {
		if s.Name == "Product added to cart" && (s.Seen != 1 || s.Invalid != 1) {
			t.Errorf("coverage of %s: %+v", s.Name, s)
		}
	}
}

// A run is named by the collector path prefix, the X-Plowbox-Run header or the active
// run; a bad run id makes a bad row that keeps the request; a run's reset deletes only it.
func TestRunTags(t *testing.T) {
	p := startPlowbox(t, "", "--auth", "none")
	send := func(path string, header map[string]string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, p.URL+path, nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
	}
	send("/run/ci-1/i?e=pv&p=web&tv=t&aid=shop", nil)
	send("/i?e=pv&p=web&tv=t&aid=shop", map[string]string{"X-Plowbox-Run": "ci-2"})
	if status, body := p.do(t, http.MethodPost, "/plowbox/api/runs", "application/json", `{"id":"ci-3"}`); status != http.StatusCreated {
		t.Fatalf("start run: %d %s", status, body)
	}
	send("/i?e=pv&p=web&tv=t&aid=shop", nil)
	if status, body := p.do(t, http.MethodPost, "/plowbox/api/runs/ci-3/end", "", ""); status != http.StatusOK || !strings.Contains(body, `"good":1`) {
		t.Fatalf("end run: %d %s", status, body)
	}
	send("/i?e=pv&p=web&tv=t&aid=shop", nil) // no run
	send("/run/no%20good/i?e=pv&p=web&tv=t", nil)

	for run, want := range map[string]string{
		"ci-1": `{"total":1,"good":1,"bad":0}`, "ci-2": `{"total":1,"good":1,"bad":0}`, "ci-3": `{"total":1,"good":1,"bad":0}`,
	} {
		if _, body := p.get(t, "/micro/all?run="+run); body != want {
			t.Errorf("/micro/all?run=%s: %s, want %s", run, body, want)
		}
	}
	var good []goodEvent
	p.getJSON(t, "/micro/good?run=ci-1", &good)
	if len(good) != 1 || good[0].RawEvent.API["version"] != "tp1" {
		t.Errorf("/micro/good?run=ci-1: %+v", good)
	}
	var detail struct {
		Records []struct {
			Request struct{ Path string } `json:"request"`
		} `json:"records"`
	}
	p.getJSON(t, "/plowbox/api/events/"+good[0].Event["event_id"].(string), &detail)
	if len(detail.Records) != 1 || detail.Records[0].Request.Path != "/i" {
		t.Errorf("stored path (the prefix is not part of it): %+v", detail)
	}
	_, bad := p.get(t, "/micro/bad")
	if !strings.Contains(bad, "tracker_protocol_violations") || !strings.Contains(bad, `no good`) || !strings.Contains(bad, "a test run id") {
		t.Errorf("bad run id: %s", bad)
	}
	var search struct{ Total int }
	p.getJSON(t, "/plowbox/api/search?q=run:ci-2", &search)
	if search.Total != 1 {
		t.Errorf("run:ci-2 matched %d", search.Total)
	}
	if status, body := p.get(t, "/micro/reset?run=ci-1"); status != http.StatusOK || !strings.Contains(body, "1 records of run ci-1") {
		t.Errorf("reset of ci-1: %d %s", status, body)
	}
	if _, body := p.get(t, "/micro/all"); body != `{"total":4,"good":3,"bad":1}` {
		t.Errorf("after the run's reset: %s", body)
	}
	var runs struct {
		Runs []struct{ ID string } `json:"runs"`
	}
	p.getJSON(t, "/plowbox/api/runs", &runs)
	if len(runs.Runs) != 3 || runs.Runs[0].ID != "ci-3" {
		t.Errorf("runs, newest first: %+v", runs)
	}
}

// plowbox expect exits 2 on a bad file or an unreachable plowbox.
func TestExpectExitCodes(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("expect:\n  - name: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"bad file", []string{"expect", bad}, "give a query, a spec or both"},
		{"missing file", []string{"expect", "testdata/plans/nope.yaml"}, "no such file"},
		{"unreachable", []string{"expect", "testdata/plans/expect.yaml", "--url", fmt.Sprintf("http://127.0.0.1:%d", port)}, "connection refused"},
	} {
		out, err := exec.Command(binary, tt.args...).CombinedOutput()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), tt.want) {
			t.Errorf("%s: %v\n%s", tt.name, err, out)
		}
	}
}
