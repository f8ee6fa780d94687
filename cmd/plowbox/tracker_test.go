package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// nodeModules returns the directory of the npm packages the tracker tests use, failing
// (in CI) or skipping (on a laptop) when they are not installed.
func nodeModules(t *testing.T) string {
	t.Helper()
	dir, _ := filepath.Abs("testdata/node")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@snowplow", "node-tracker")); err != nil {
		msg := "npm packages missing: run npm ci --prefix cmd/plowbox/testdata/node"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return dir
}

// The real Snowplow Node.js tracker sends page views, structured and self-describing
// events with entities, by GET and in a batched POST; plowbox has them all the moment the
// tracker's flush resolves — no sleep, no polling.
func TestNodeTracker(t *testing.T) {
	dir := nodeModules(t)
	p := startPlowbox(t, "", "--auth", "none")
	host, port, _ := strings.Cut(strings.TrimPrefix(p.URL, "http://"), ":")
	out, err := exec.Command("node", filepath.Join(dir, "send.mjs"), host, port).CombinedOutput()
	if err != nil {
		t.Fatalf("node tracker: %v\n%s", err, out)
	}
	var ids struct{ Get, Post []string }
	if err := json.Unmarshal(out, &ids); err != nil {
		t.Fatalf("tracker output %q: %v", out, err)
	}

	var good []goodEvent
	p.getJSON(t, "/micro/good", &good)
	byID := map[string]goodEvent{}
	for _, g := range good {
		byID[g.Event["event_id"].(string)] = g
	}
	if len(good) != 8 || len(byID) != 8 {
		_, bad := p.get(t, "/micro/bad")
		t.Fatalf("got %d good events, want 8; bad: %s", len(good), bad)
	}

	pv := byID[ids.Get[0]]
	checkFields(t, "GET page view", pv.Event, map[string]any{
		"event": "page_view", "app_id": "node-get", "platform": "srv", "page_url": "https://shop.example/home?utm_source=news",
		"page_urlhost": "shop.example", "page_urlpath": "/home", "page_urlquery": "utm_source=news", "page_title": "Home",
		"page_referrer": "https://www.google.com/search?q=plowbox", "refr_urlhost": "www.google.com", "name_tracker": "get",
	})
	if !strings.HasPrefix(pv.Event["v_tracker"].(string), "node-") {
		t.Errorf("v_tracker = %v", pv.Event["v_tracker"])
	}
	se := byID[ids.Get[1]]
	checkFields(t, "GET struct", se.Event, map[string]any{
		"event": "struct", "se_category": "shop", "se_action": "add-to-basket", "se_label": "sku-1", "se_property": "red", "se_value": 12.5,
		"event_vendor": "com.google.analytics", "event_name": "event",
	})
	if len(se.Contexts) != 1 || se.Contexts[0] != "iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0" {
		t.Errorf("struct contexts = %v", se.Contexts)
	}
	ue := byID[ids.Get[2]]
	if *ue.Schema != "iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1" || *ue.EventType != "unstruct" {
		t.Errorf("self-describing event: %v %v", *ue.EventType, *ue.Schema)
	}
	data := ue.Event["unstruct_event"].(map[string]any)["data"].(map[string]any)["data"].(map[string]any)
	if data["targetUrl"] != "https://shop.example/basket" {
		t.Errorf("unstruct data = %v", data)
	}
	if _, ok := ue.RawEvent.Parameters["ue_px"]; !ok {
		t.Errorf("GET tracker with encodeBase64 should send ue_px: %v", ue.RawEvent.Parameters)
	}

	for i, id := range ids.Post {
		g, ok := byID[id]
		if !ok {
			t.Fatalf("POST event %d (%s) missing", i, id)
		}
		if g.RawEvent.API["version"] != "tp2" || g.Event["app_id"] != "node-post" {
			t.Errorf("POST event %d: api %v app_id %v", i, g.RawEvent.API, g.Event["app_id"])
		}
	}
	checkFields(t, "POST page view", byID[ids.Post[0]].Event, map[string]any{"page_urlpath": "/p/0", "page_title": "Product 0"})
	checkFields(t, "POST struct", byID[ids.Post[3]].Event, map[string]any{"se_action": "checkout", "se_value": 99.0})
	if _, ok := byID[ids.Post[4]].RawEvent.Parameters["ue_pr"]; !ok {
		t.Errorf("POST tracker without base64 should send ue_pr")
	}
}

func checkFields(t *testing.T, name string, ev map[string]any, want map[string]any) {
	t.Helper()
	for k, v := range want {
		if ev[k] != v {
			t.Errorf("%s: %s = %#v, want %#v", name, k, ev[k], v)
		}
	}
}
