package explorer_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/plowbox/plowbox/web/webtest"
)

// Sequences of the records seed stores: one per output, in arrival order.
const (
	seqPageView   = 1 // good page_view, app shop
	seqStruct     = 2 // good struct event, app blog
	seqIncomplete = 3 // incomplete: self-describing event com.acme.bad/checkout misses price
	seqBadEID     = 4 // bad row: tracker_protocol_violations on eid
	seqNotJSON    = 5 // bad row: a TP2 body that is not JSON
	seqDuplicate  = 6 // good page_view with the event_id of seqPageView
)

// seedExplorer stores the explorer's records (see the seq* constants).
func seedExplorer(t *testing.T, f *webtest.Stack) {
	t.Helper()
	ue := `{"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0","data":{"schema":"iglu:com.acme.bad/checkout/jsonschema/1-0-0","data":{"sku":"ASO01043"}}}`
	co := `{"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1","data":[{"schema":"iglu:com.acme/user/jsonschema/1-0-0","data":{"plan":"pro"}}]}`
	f.Send(t, webtest.T0, "GET", "/i?e=pv&p=web&tv=js-3.5.0&aid=shop&eid="+webtest.EIDShop+"&url=https%3A%2F%2Fshop.example%2Fcart&page=Cart", "", "")
	f.Send(t, webtest.T0.Add(30*time.Second), "GET", "/i?e=se&p=web&tv=js-3.5.0&aid=blog&se_ca=shop&se_ac=add-to-basket", "", "")
	f.Send(t, webtest.T0.Add(time.Minute), "GET", "/i?e=ue&p=web&tv=js-3.5.0&aid=shop&ue_pr="+url.QueryEscape(ue)+"&co="+url.QueryEscape(co), "", "")
	f.Send(t, webtest.T0.Add(90*time.Second), "GET", "/i?e=pp&p=web&tv=js-3.5.0&aid=shop&eid=not-a-uuid", "", "")
	f.Send(t, webtest.T0.Add(2*time.Minute), "POST", "/com.snowplowanalytics.snowplow/tp2", "application/json", `{"schema":`)
	f.Send(t, webtest.T0.Add(3*time.Minute), "GET", "/i?e=pv&p=mob&tv=js-3.5.0&aid=shop&eid="+webtest.EIDShop+"&url=https%3A%2F%2Fshop.example%2Fthanks", "", "")
}

func TestUIPages(t *testing.T) {
	f := webtest.NewStack(t, webtest.Options{Explorer: true})
	seedExplorer(t, f)
	rec := func(seq int) string { return fmt.Sprintf("/micro/ui/records/%d", seq) }
	tests := []struct {
		name     string
		path     string
		status   int
		want     []string
		dontWant []string
	}{
		{"root", "/micro/ui/", 200, []string{`<title>Events · plowbox</title>`, `aria-current="page">Events`, webtest.EIDShop, "page_view", "struct", "/cart"}, nil},
		{"events hides bad rows by default", "/micro/ui/events", 200, []string{"<strong>5</strong> records"}, []string{`<span class="badge k-bad">`}},
		{"field query", "/micro/ui/events?q=app_id:blog", 200, []string{"<strong>1</strong> record", "<td>event</td>"}, []string{webtest.EIDShop}},
		{"nested entity field", "/micro/ui/events?q=contexts_com_acme_user_1.plan:pro", 200, []string{"<strong>1</strong> record"}, nil},
		{"facet filter", "/micro/ui/events?f=platform:mob", 200, []string{"<strong>1</strong> record", "platform: mob", "/thanks"}, []string{"/cart<"}},
		{"chosen columns", "/micro/ui/events?col=time&col=se_action&col=page_title", 200, []string{"<th scope=\"col\">se_action</th>", "add-to-basket", ">Cart<"}, []string{`<th scope="col">app_id</th>`}},
		{"facetsOf and histogram", "/micro/ui/events", 200, []string{"<h2>Event</h2>", "<h2>App</h2>", "<svg", "click a bar to zoom in", "start=2026-04-02T10"}, nil},
		{"time range", "/micro/ui/events?start=2026-04-02T10:02:30Z&end=2026-04-02T11:00:00Z", 200, []string{"<strong>1</strong> record", "/thanks"}, nil},
		{"bad rows list", "/micro/ui/bad", 200, []string{`aria-current="page">Bad rows`, "tracker_protocol_violations", "schema_violations", "$.price: is missing but it is required"}, []string{`<td>event</td>`}},
		{"only payload-level bad rows", "/micro/ui/bad?kind=bad", 200, []string{"<strong>1</strong> record", "body: invalid json"}, nil},
		{"good record", rec(seqPageView), 200, []string{"page_view", "Tracker parameters", "Enriched event", ">GET /i<", "shop.example", "Duplicate event_id", rec(seqDuplicate), "Copy as curl", "/i?e=pv"}, []string{"Failure:"}},
		{"incomplete record", rec(seqIncomplete), 200, []string{"badge k-incomplete", "Failure: <code>schema_violations</code>", "$.price: is missing but it is required", "iglu:com.acme.bad/checkout/jsonschema/1-0-0", "rejected event", "ASO01043", `<code class="hi">$.price</code>`, "iglu:com.acme/user/jsonschema/1-0-0"}, nil},
		{"bad row record", rec(seqNotJSON), 200, []string{"badge k-bad", "tracker_protocol_violations", "invalid json", ">POST /com.snowplowanalytics.snowplow/tp2<", "--data-raw"}, []string{"Enriched event"}},
		{"live", "/micro/ui/live", 200, []string{`data-stream="/plowbox/api/tail"`, "Pause"}, nil},
		{"status", "/micro/ui/status", 200, []string{"1.2.3", `<span class="n">3</span> good`, `<span class="n">2</span> incomplete`, `<span class="n">1</span> bad rows`, "2026-04-02 10:00:00 UTC", "Send test events", `data-example="transaction"`}, nil},
		{"schemas", "/micro/ui/schemas", 200, []string{"The registry is empty"}, nil},
		{"static css", "/micro/ui/static/app.css", 200, []string{"prefers-color-scheme"}, nil},
		{"static js", "/micro/ui/static/app.js", 200, []string{"EventSource"}, nil},
		{"missing record", "/micro/ui/records/999999", 404, []string{"Record 999999 does not exist"}, nil},
		{"record that is not a number", "/micro/ui/records/abc", 404, []string{"No such record"}, nil},
		{"missing schema", "/micro/ui/schemas/com.acme/nope/jsonschema/1-0-0", 404, []string{"no schema com.acme/nope/jsonschema/1-0-0"}, nil},
		{"bad time", "/micro/ui/events?start=yesterday", 400, []string{"from: &#34;yesterday&#34;: want a time such as"}, nil},
		{"bad filter", "/micro/ui/events?f=nocolon", 400, []string{"want field:value"}, nil},
		{"bad query", "/micro/ui/events?q=app_id:%22x", 400, []string{"The query could not be run"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := f.Do(t, "GET", tt.path, "", "")
			if resp.StatusCode != tt.status {
				t.Fatalf("GET %s = %d, want %d\n%s", tt.path, resp.StatusCode, tt.status, body)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("GET %s: missing %q", tt.path, w)
				}
			}
			for _, w := range tt.dontWant {
				if strings.Contains(body, w) {
					t.Errorf("GET %s: unexpected %q", tt.path, w)
				}
			}
			if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") &&
				!strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
				t.Errorf("GET %s: no strict Content-Security-Policy: %q", tt.path, resp.Header.Get("Content-Security-Policy"))
			}
		})
	}
}

func TestUIRedirects(t *testing.T) {
	f := webtest.NewStack(t, webtest.Options{Explorer: true})
	for _, path := range []string{"/micro/ui", "/home", "/home/index.html", "/kibana", "/kibana/app/discover"} {
		resp, _ := f.Do(t, "GET", path, "", "")
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/micro/ui/" {
			t.Errorf("GET %s = %d to %q, want 302 to /micro/ui/", path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}

// TestUIEscapesEventData sends events whose fields hold markup and checks that every
// page shows them as text.
func TestUIEscapesEventData(t *testing.T) {
	f := webtest.NewStack(t, webtest.Options{Explorer: true})
	script := `<script>alert(1)</script>`
	img := `"><img src=x onerror=alert(2)>`
	co := `{"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1","data":[{"schema":"iglu:com.acme/user/jsonschema/1-0-0","data":{"name":"` + strings.ReplaceAll(img, `"`, `\"`) + `"}}]}`
	f.Send(t, webtest.T0, "GET", "/i?e=pv&p=web&aid="+url.QueryEscape(img)+"&page="+url.QueryEscape(script)+"&url="+url.QueryEscape("https://x.example/"+img)+"&co="+url.QueryEscape(co), "", "")
	f.Send(t, webtest.T0.Add(time.Second), "GET", "/i?e=pv&p=web&eid="+url.QueryEscape(script), "", "") // a bad row quoting it
	for _, path := range []string{
		"/micro/ui/events?col=time&col=page_title&col=app_id&col=contexts_com_acme_user_1.name",
		"/micro/ui/events?q=" + url.QueryEscape(img),
		"/micro/ui/bad",
		"/micro/ui/records/1",
		"/micro/ui/records/2",
		"/micro/ui/live?q=" + url.QueryEscape(script),
	} {
		resp, body := f.Do(t, "GET", path, "", "")
		if resp.StatusCode >= 500 {
			t.Fatalf("GET %s = %d", path, resp.StatusCode)
		}
		for _, bad := range []string{"<script>alert", "<img src=x", "onerror=alert(2)>"} {
			if strings.Contains(body, bad) {
				t.Errorf("GET %s: event data rendered as markup: %q", path, bad)
			}
		}
		if strings.Count(body, "<script") != 1 { // the page's own app.js only
			t.Errorf("GET %s: %d script elements, want 1", path, strings.Count(body, "<script"))
		}
	}
	_, body := f.Do(t, "GET", "/micro/ui/records/1", "", "")
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(2)&gt;"} {
		if !strings.Contains(body, want) {
			t.Errorf("record page: missing escaped %q", want)
		}
	}
}

// TestUILive checks the live page: it points at the query API's tail with its query,
// and a query the index cannot run is reported on the page.
func TestUILive(t *testing.T) {
	f := webtest.NewStack(t, webtest.Options{Explorer: true})
	resp, body := f.Do(t, "GET", "/micro/ui/live?q="+url.QueryEscape("app_id:shop"), "", "")
	if resp.StatusCode != 200 || !strings.Contains(body, `data-stream="/plowbox/api/tail?q=app_id%3Ashop"`) {
		t.Errorf("live page = %d\n%s", resp.StatusCode, body)
	}
	resp, body = f.Do(t, "GET", "/micro/ui/live?q="+url.QueryEscape(`app_id:"x`), "", "")
	if resp.StatusCode != 400 || !strings.Contains(body, "The query could not be run") || !strings.Contains(body, `data-stream=""`) {
		t.Errorf("live page with a bad query = %d\n%s", resp.StatusCode, body)
	}
}
