package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// goodEvent is the part of a Micro GoodEvent the tests read.
type goodEvent struct {
	RawEvent struct {
		API        map[string]string  `json:"api"`
		Parameters map[string]*string `json:"parameters"`
	} `json:"rawEvent"`
	EventType  *string        `json:"eventType"`
	Schema     *string        `json:"schema"`
	Contexts   []string       `json:"contexts"`
	Event      map[string]any `json:"event"`
	Incomplete bool           `json:"incomplete"`
}

type badEvent struct {
	CollectorPayload map[string]any `json:"collectorPayload"`
	RawEvent         map[string]any `json:"rawEvent"`
	Errors           []string       `json:"errors"`
}

// The Snowplow Micro REST API walked through as its documentation does
// (https://docs.snowplow.io/docs/testing/snowplow-micro/), against the real binary.
func TestMicroWorkedExamples(t *testing.T) {
	p := startPlowbox(t, "", "--auth", "none")

	status, body := p.get(t, "/i?e=pp&p=web&tv=lol")
	if status != http.StatusOK {
		t.Fatalf("GET /i: %d", status)
	}
	if _, body := p.get(t, "/micro/all"); body != `{"total":1,"good":1,"bad":0}` {
		t.Fatalf("/micro/all = %s", body)
	}
	var good []goodEvent
	p.getJSON(t, "/micro/good", &good)
	if len(good) != 1 {
		t.Fatalf("/micro/good has %d events", len(good))
	}
	g := good[0]
	if *g.EventType != "page_ping" || *g.Schema != "iglu:com.snowplowanalytics.snowplow/page_ping/jsonschema/1-0-0" ||
		g.Event["platform"] != "web" || g.Event["v_tracker"] != "lol" || g.Incomplete || len(g.Contexts) != 0 {
		t.Errorf("good event: %+v", g)
	}
	if len(g.Event) != 131 {
		t.Errorf("event has %d keys, want 131", len(g.Event))
	}
	if g.RawEvent.API["version"] != "tp1" || *g.RawEvent.Parameters["tv"] != "lol" {
		t.Errorf("rawEvent: %+v", g.RawEvent)
	}
	// Key order of the GoodEvent and of its event object.
	_, raw := p.get(t, "/micro/good")
	for _, keys := range [][]string{
		{`"rawEvent":`, `"eventType":`, `"schema":`, `"contexts":`, `"event":`, `"incomplete":`},
		{`"app_id":`, `"platform":`, `"etl_tstamp":`, `"collector_tstamp":`, `"refr_device_tstamp":`, `"derived_contexts":{}`, `"true_tstamp":null`},
	} {
		assertOrder(t, raw, keys)
	}

	// An invalid event id: bad, not good.
	p.get(t, "/i?e=pp&p=web&tv=lol&eid=invalidEventId")
	if _, body := p.get(t, "/micro/all"); body != `{"total":2,"good":1,"bad":1}` {
		t.Fatalf("/micro/all = %s", body)
	}
	var bad []badEvent
	p.getJSON(t, "/micro/bad", &bad)
	if len(bad) != 1 || bad[0].Errors[0] != "Error while validating the event." || bad[0].CollectorPayload == nil || bad[0].RawEvent == nil {
		t.Fatalf("/micro/bad = %+v", bad)
	}
	if !strings.Contains(bad[0].Errors[1], `"keyword":"atomic_field_parse_error"`) || !strings.Contains(bad[0].Errors[1], `"path":"eid"`) ||
		!strings.Contains(bad[0].Errors[1], "schema_violations/jsonschema/2-0-1") {
		t.Errorf("bad row: %s", bad[0].Errors[1])
	}
	_, body = p.get(t, "/micro/bad")
	assertOrder(t, body, []string{`"collectorPayload":`, `"rawEvent":`, `"errors":`})
	if strings.Contains(body, `"badRows"`) {
		t.Errorf("badRows must be opt-in")
	}

	// The incomplete copy is listed by the 3.0 events endpoint, newest first.
	var events []map[string]any
	p.getJSON(t, "/micro/events", &events)
	if len(events) != 2 || events[0]["contexts_com_snowplowanalytics_snowplow_failure_1"] == nil {
		t.Fatalf("/micro/events = %v", events)
	}

	// Reset, 4.x text.
	if status, body := p.get(t, "/micro/reset"); status != 200 || body != `"Reset completed"` {
		t.Fatalf("/micro/reset = %d %s", status, body)
	}
	if _, body := p.get(t, "/micro/all"); body != `{"total":0,"good":0,"bad":0}` {
		t.Fatalf("/micro/all after reset = %s", body)
	}

	// A TP2 POST with one good and one bad event.
	status, body = p.do(t, http.MethodPost, "/com.snowplowanalytics.snowplow/tp2", "application/json; charset=UTF-8",
		`{"schema":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4","data":[`+
			`{"e":"pv","url":"https://www.acme.com/","tv":"js-3.5.0","p":"web","aid":"shop"},`+
			`{"e":"ue","ue_pr":"{\"schema\":\"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0\",\"data\":{\"schema\":\"iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1\",\"data\":{\"foo\":\"bar\"}}}","tv":"js-3.5.0","p":"web","aid":"shop"}]}`)
	if status != 200 || body != "ok" {
		t.Fatalf("tp2 POST = %d %q", status, body)
	}
	if _, body := p.get(t, "/micro/all"); body != `{"total":2,"good":1,"bad":1}` {
		t.Fatalf("/micro/all = %s", body)
	}
	p.getJSON(t, "/micro/events", &events)
	if len(events) != 2 || events[0]["event"] != "unstruct" || events[1]["event"] != "page_view" {
		t.Errorf("/micro/events order: %v", events)
	}
}

func TestMicroFilters(t *testing.T) {
	p := startPlowbox(t, "", "--auth", "none")
	ctx := `{"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1","data":[{"schema":"iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0","data":{"id":"a0b5d8d9-6c3b-4b55-9b2b-7c1d3b1f4e22"}}]}`
	p.get(t, "/i?e=pv&p=web&tv=t&co="+url.QueryEscape(ctx))
	p.get(t, "/i?e=se&p=web&tv=t&se_ca=shop&se_ac=buy")
	p.get(t, "/i?e=se&p=web&tv=t&se_ca=shop&se_ac=view")
	p.get(t, "/com.acme/v1?x=1") // unknown vendor: an adapter failure

	cases := []struct {
		name, path, body string
		status           int
		want             int
	}{
		{"all good", "/micro/good", `{}`, 200, 3},
		{"event type", "/micro/good", `{"event_type":"struct"}`, 200, 2},
		{"e code does not match", "/micro/good", `{"event_type":"se"}`, 200, 0},
		{"schema", "/micro/good", `{"schema":"iglu:com.google.analytics/event/jsonschema/1-0-0","limit":1}`, 200, 1},
		{"contexts", "/micro/good", `{"contexts":["iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0"]}`, 200, 1},
		{"contexts without prefix", "/micro/good", `{"contexts":["com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0"]}`, 200, 0},
		{"unknown keys ignored", "/micro/good", `{"nope":1}`, 200, 3},
		{"bad by vendor", "/micro/bad", `{"vendor":"com.acme","version":"v1"}`, 200, 1},
		{"bad other vendor", "/micro/bad", `{"vendor":"com.snowplowanalytics.snowplow"}`, 200, 0},
		{"invalid json", "/micro/good", `{`, 400, -1},
		{"empty body", "/micro/good", ``, 400, -1},
		{"wrong type", "/micro/good", `{"limit":"ten"}`, 422, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := p.do(t, http.MethodPost, c.path, "application/json", c.body)
			if status != c.status {
				t.Fatalf("status %d, want %d: %s", status, c.status, body)
			}
			if c.want < 0 {
				if !strings.HasPrefix(body, `"`) {
					t.Errorf("error body is not a JSON string: %s", body)
				}
				return
			}
			var list []json.RawMessage
			if err := json.Unmarshal([]byte(body), &list); err != nil || len(list) != c.want {
				t.Errorf("got %d items (%v), want %d: %s", len(list), err, c.want, body)
			}
		})
	}
	if status, _ := p.do(t, http.MethodPost, "/micro/good", "application/x-www-form-urlencoded", "a=b"); status != 415 {
		t.Errorf("form body: %d, want 415", status)
	}
	if status, body := p.get(t, "/micro/nope"); status != 404 || !strings.HasPrefix(body, `"Supported endpoints: /micro/all`) {
		t.Errorf("/micro/nope = %d %s", status, body)
	}
	// Reserved paths never become events.
	if _, body := p.get(t, "/micro/all"); body != `{"total":4,"good":3,"bad":1}` {
		t.Errorf("/micro/all = %s", body)
	}
}

func TestMicroAPI3Texts(t *testing.T) {
	p := startPlowbox(t, "", "--auth", "none", "--micro-api", "3")
	p.get(t, "/i?e=pv")
	if _, body := p.get(t, "/micro/reset"); body != `{"total":0,"good":0,"bad":0}` {
		t.Errorf("3.0 reset = %s", body)
	}
	if _, body := p.get(t, "/micro/x"); body != `"Path for micro has to be one of: /events /all /good /bad /reset /iglu"` {
		t.Errorf("3.0 404 = %s", body)
	}
}

func TestAuthBasic(t *testing.T) {
	p := startPlowbox(t, "", "--auth", "basic", "--user", "qa")
	if !strings.Contains(p.stderr.String(), `generated a password for user "qa"`) {
		t.Fatalf("no generated password on stderr:\n%s", p.stderr.String())
	}
	password := strings.Fields(strings.SplitN(p.stderr.String(), `"qa": `, 2)[1])[0]
	for _, path := range []string{"/micro/all", "/micro/good", "/micro/nope", "/plowbox/x", "/api/schemas"} {
		if status, _ := p.get(t, path); status != http.StatusUnauthorized {
			t.Errorf("GET %s without credentials = %d, want 401", path, status)
		}
	}
	for _, path := range []string{"/health", "/i?e=pv", "/robots.txt"} {
		if status, _ := p.get(t, path); status != http.StatusOK {
			t.Errorf("GET %s = %d, want 200 (collector routes are open)", path, status)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, p.URL+"/micro/all", nil)
	req.SetBasicAuth("qa", password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("with credentials: %d", resp.StatusCode)
	}
	req.SetBasicAuth("qa", password+"x")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
		t.Errorf("wrong password accepted")
	}

	// The password is printed once only; its hash survives a restart.
	p.kill(15)
	again := startPlowbox(t, p.Data, "--auth", "basic", "--user", "qa")
	if strings.Contains(again.stderr.String(), "generated a password") {
		t.Errorf("password generated twice")
	}
	req, _ = http.NewRequest(http.MethodGet, again.URL+"/micro/all", nil)
	req.SetBasicAuth("qa", password)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Errorf("stored credentials rejected after restart")
	}
}

// assertOrder checks that each key appears in s, in the given order.
func assertOrder(t *testing.T, s string, keys []string) {
	t.Helper()
	at := 0
	for _, k := range keys {
		i := strings.Index(s[at:], k)
		if i < 0 {
			t.Errorf("%s missing or out of order in %.300s…", k, s)
			return
		}
		at += i + len(k)
	}
}

// Oversized payloads are kept as size_violation bad rows; bodies over the drop size get 413.
func TestSizeLimits(t *testing.T) {
	p := startPlowbox(t, "", "--auth", "none", "--max-payload-size", "100000", "--drop-payload-size", "300000")
	big := `{"schema":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4","data":[{"e":"pv","p":"web","tv":"t","page":"` + strings.Repeat("x", 150000) + `"}]}`
	if status, body := p.do(t, http.MethodPost, "/com.snowplowanalytics.snowplow/tp2", "application/json", big); status != 200 || body != "ok" {
		t.Fatalf("oversized payload: %d %q", status, body)
	}
	var bad []badEvent
	p.getJSON(t, "/micro/bad", &bad)
	if len(bad) != 1 || bad[0].Errors[0] != "Collector payload exceeds the maximum allowed size." || bad[0].CollectorPayload != nil {
		t.Fatalf("/micro/bad = %+v", bad)
	}
	row := bad[0].Errors[1]
	if !strings.Contains(row, "size_violation/jsonschema/1-0-0") || !strings.Contains(row, `"maximumAllowedSizeBytes":100000`) ||
		!strings.Contains(row, "oversized collector payload: Payload exceeds max size of 100000") || len(row) > 20000 {
		t.Errorf("size_violation row (%d bytes): %.400s", len(row), row)
	}

	huge := strings.Repeat("y", 400000)
	if status, _ := p.do(t, http.MethodPost, "/com.snowplowanalytics.snowplow/tp2", "application/json", huge); status != http.StatusRequestEntityTooLarge {
		t.Errorf("body over the drop size: %d, want 413", status)
	}
	if _, body := p.get(t, "/micro/all"); body != `{"total":1,"good":0,"bad":1}` {
		t.Errorf("/micro/all = %s", body)
	}
}
