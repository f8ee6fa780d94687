package main

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// rubyTrackerGem is where Debian's ruby-snowplow-tracker installs the gem.
const rubyTrackerGem = "/usr/share/rubygems-integration/all/gems/snowplow-tracker-0.6.1"

// gitlabSchema is the com.gitlab schema the Ruby test publishes to the built-in registry.
const gitlabSchema = `{"$schema":"http://iglucentral.com/schemas/com.snowplowanalytics.self-desc/schema/jsonschema/1-0-0#",` +
	`"self":{"vendor":"com.gitlab","name":"plowbox_e2e","format":"jsonschema","version":"1-0-0"},` +
	`"type":"object","properties":{"action":{"type":"string"},"count":{"type":"integer"}},"required":["action","count"],"additionalProperties":false}`

// The Ruby tracker GitLab's backend wraps (Debian's ruby-snowplow-tracker 0.6.1), with
// a GET and a POST emitter, namespace gl: structured events with the standard
// client_session entity and self-describing events of a com.gitlab schema published to
// the built-in registry first, all good with no network, read back without a sleep.
func TestRubyTracker(t *testing.T) {
	ruby, err := exec.LookPath("ruby")
	if _, gerr := os.Stat(rubyTrackerGem); err != nil || gerr != nil {
		msg := "the Ruby tracker is missing: apt-get install ruby-snowplow-tracker"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	nw := newNoNetwork(t)
	p := startPlowboxEnv(t, "", nw.env(), "--auth", "none", "--iglu-dir", emptyRegistry(t))
	if status, body := p.do(t, http.MethodPut, "/api/schemas/com.gitlab/plowbox_e2e/jsonschema/1-0-0", "application/json", gitlabSchema); status != http.StatusCreated {
		t.Fatalf("publish the com.gitlab schema: %d %s", status, body)
	}

	host := strings.TrimPrefix(p.URL, "http://")
	out, err := exec.Command(ruby, filepath.Join("testdata", "ruby", "send.rb"), host, "iglu:com.gitlab/plowbox_e2e/jsonschema/1-0-0").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "sent 4" {
		t.Fatalf("ruby tracker: %v\n%s", err, out)
	}

	var good []goodEvent
	p.getJSON(t, "/micro/good", &good)
	if len(good) != 4 {
		_, bad := p.get(t, "/micro/bad")
		t.Fatalf("got %d good events, want 4; bad: %s", len(good), bad)
	}
	byAction := map[string]goodEvent{}
	for _, g := range good {
		checkFields(t, "every event", g.Event, map[string]any{"name_tracker": "gl", "v_tracker": "rb-0.6.1", "app_id": "gitlab", "platform": "srv"})
		if len(g.Contexts) != 1 || g.Contexts[0] != "iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2" {
			t.Errorf("contexts = %v, want the client_session entity", g.Contexts)
		}
		action, _ := g.Event["se_action"].(string)
		if ue, ok := g.Event["unstruct_event"].(map[string]any); ok {
			action = ue["data"].(map[string]any)["data"].(map[string]any)["action"].(string)
		}
		byAction[action] = g
	}
	for _, method := range []string{"get", "post"} {
		api := map[string]string{"get": "tp1", "post": "tp2"}[method]
		se, ok := byAction["create_"+method]
		if !ok {
			t.Fatalf("no structured event from the %s emitter: %v", method, byAction)
		}
		checkFields(t, method+" struct", se.Event, map[string]any{
			"event": "struct", "se_category": "projects", "se_label": "label", "se_property": "property", "se_value": 2.5,
		})
		if se.RawEvent.API["version"] != api {
			t.Errorf("%s struct event came through %v, want %s", method, se.RawEvent.API, api)
		}
		entities, _ := se.Event["contexts"].(map[string]any)["data"].([]any)
		if len(entities) != 1 || entities[0].(map[string]any)["data"].(map[string]any)["sessionIndex"] != 3.0 {
			t.Errorf("%s entities = %v", method, se.Event["contexts"])
		}
		ue, ok := byAction["merge_"+method]
		if !ok {
			t.Fatalf("no self-describing event from the %s emitter: %v", method, byAction)
		}
		if *ue.EventType != "unstruct" || *ue.Schema != "iglu:com.gitlab/plowbox_e2e/jsonschema/1-0-0" {
			t.Errorf("%s self-describing event: %v %v", method, *ue.EventType, *ue.Schema)
		}
		checkFields(t, method+" self-describing", ue.Event, map[string]any{"event_vendor": "com.gitlab", "event_name": "plowbox_e2e"})
	}
	if n := nw.Asked(); n != 0 {
		t.Errorf("plowbox asked the network %d times", n)
	}
}
