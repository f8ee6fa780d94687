package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestQueryAPIEndToEnd drives the real binary: events sent by HTTP are listed by the
// Micro 4.x POST /micro/events at once, a long-poll on /plowbox/api/wait returns when a
// later event arrives, track-and-wait answers with its records, and all of it survives
// a restart.
func TestQueryAPIEndToEnd(t *testing.T) {
	data := t.TempDir()
	p := startPlowbox(t, data, "--auth", "none", "--event-log=false")
	for _, q := range []string{
		"e=pv&p=web&tv=it&aid=shop&url=https%3A%2F%2Fshop.example%2F",
		"e=se&p=web&tv=it&aid=shop&se_ca=cart&se_ac=add",
		"e=pp&p=web&tv=it&aid=blog&eid=invalidEventId",
	} {
		if status, body := p.get(t, "/i?"+q); status != http.StatusOK {
			t.Fatalf("GET /i?%s = %d %s", q, status, body)
		}
	}

	status, body := p.do(t, http.MethodPost, "/micro/events", "application/json",
		`{"filters":[{"column":"app_id","values":["SHOP"]}],"validEvents":true,"page":1,"pageSize":1}`)
	var page struct {
		Events     []map[string]any `json:"events"`
		TotalPages int              `json:"totalPages"`
		TotalItems int              `json:"totalItems"`
	}
	if err := json.Unmarshal([]byte(body), &page); status != http.StatusOK || err != nil {
		t.Fatalf("POST /micro/events = %d %s", status, body)
	}
	if page.TotalItems != 2 || page.TotalPages != 2 || len(page.Events) != 1 || page.Events[0]["event"] != "struct" {
		t.Errorf("POST /micro/events = %s", body)
	}

	// A long-poll that an event sent meanwhile satisfies: the event goes out once the
	// wait request is on the wire.
	req, err := http.NewRequest(http.MethodGet, p.URL+"/plowbox/api/wait?q=app_id:late&n=1&timeout=15s", nil)
	if err != nil {
		t.Fatal(err)
	}
	sent := make(chan error, 1)
	var once sync.Once
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) {
			once.Do(func() {
				go func() {
					resp, err := http.Get(p.URL + "/i?e=pv&p=web&tv=it&aid=late")
					if err == nil {
						resp.Body.Close()
					}
					sent <- err
				}()
			})
		},
	}))
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	var wait struct {
		Matched  int               `json:"matched"`
		TimedOut bool              `json:"timed_out"`
		Hits     []json.RawMessage `json:"hits"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&wait); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("wait: %d %v", resp.StatusCode, err)
	}
	if wait.Matched != 1 || wait.TimedOut || len(wait.Hits) != 1 || time.Since(start) > 10*time.Second {
		t.Errorf("wait = %+v after %v", wait, time.Since(start))
	}
	if status, body := p.get(t, "/plowbox/api/wait?q=app_id:never&timeout=200ms"); status != http.StatusRequestTimeout || !strings.Contains(body, `"timed_out":true`) {
		t.Errorf("wait for nothing = %d %s", status, body)
	}

	status, body = p.do(t, http.MethodPost, "/plowbox/api/track-and-wait", "application/json",
		`{"path":"/i","query":{"e":"pv","p":"web","tv":"it","aid":"taw"}}`)
	if status != http.StatusOK || !strings.Contains(body, `"kind":"good"`) || !strings.Contains(body, `"app_id":"taw"`) {
		t.Errorf("track-and-wait = %d %s", status, body)
	}

	// After a restart the index answers the same.
	p.kill(syscall.SIGTERM)
	p = startPlowbox(t, data, "--auth", "none", "--event-log=false")
	var search struct {
		Total  int                                `json:"total"`
		Facets map[string][]struct{ Term string } `json:"facets"`
	}
	p.getJSON(t, "/plowbox/api/search?facets=app_id", &search)
	if search.Total != 5 || len(search.Facets["app_id"]) != 4 {
		t.Errorf("search after restart: %+v", search)
	}
}
