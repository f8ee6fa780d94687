package explorer

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseUITime(t *testing.T) {
	now := time.Date(2026, 4, 2, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in      string
		want    time.Time
		wantErr string
	}{
		{"", time.Time{}, ""},
		{"now", now, ""},
		{"-15m", now.Add(-15 * time.Minute), ""},
		{"-24h", now.Add(-24 * time.Hour), ""},
		{"-7d", now.AddDate(0, 0, -7), ""},
		{"2026-04-02T10:00:00Z", time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC), ""},
		{"2026-04-02T12:00:00+02:00", time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC), ""},
		{"2026-04-02T10:00:00.123Z", time.Date(2026, 4, 2, 10, 0, 0, 123e6, time.UTC), ""},
		{"2026-04-02 10:00:00.000", time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC), ""},
		{"2026-04-02", time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC), ""},
		{"yesterday", time.Time{}, "want a time such as"},
		{"-5x", time.Time{}, "want a relative time"},
		{"-xd", time.Time{}, "want a relative time"},
	}
	for _, tt := range tests {
		got, err := parseTime(tt.in, now)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseTime(%q) error %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("parseTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestUIListState(t *testing.T) {
	v, _ := url.ParseQuery("q=app_id:shop&kind=bad&kind=bogus&kind=bad&col=time&col=app_id&f=platform:web&f=platform:mob&f=app_id:a:b&after=c1&start=-1h")
	now := time.Date(2026, 4, 2, 12, 0, 0, 0, time.UTC)
	st, err := parseListState("/micro/ui/events", v, eventsKinds, eventsCols, now)
	if err != nil {
		t.Fatal(err)
	}
	q := st.query(50)
	if q.Q != "app_id:shop" || !reflect.DeepEqual(q.Kinds, []string{"bad"}) || q.After != "c1" || !q.Start.Equal(now.Add(-time.Hour)) {
		t.Errorf("query = %+v", q)
	}
	if len(q.Filters) != 2 || q.Filters[0].Field != "platform" || !reflect.DeepEqual(q.Filters[0].Values, []string{"web", "mob"}) ||
		q.Filters[1].Field != "app_id" || q.Filters[1].Values[0] != "a:b" {
		t.Errorf("filters = %+v", q.Filters)
	}
	// Changing the view drops the cursor; toggling a filter twice restores the state.
	if u := st.toggleFilter("platform", "web").url(); strings.Contains(u, "after=") || strings.Contains(u, "platform%3Aweb") {
		t.Errorf("toggled off: %s", u)
	}
	back := st.toggleFilter("x", "1").toggleFilter("x", "1")
	back.after = st.after
	if back.url() != st.url() {
		t.Errorf("round trip %s != %s", back.url(), st.url())
	}
	// Defaults.
	st, _ = parseListState("/micro/ui/bad", url.Values{}, badKinds, badCols, now)
	if !reflect.DeepEqual(st.kinds, badKinds) || !reflect.DeepEqual(st.cols, badCols) || st.url() != "/micro/ui/bad?col=time&col=kind&col=failure_type&col=failure_message&col=app_id&col=event_name&kind=incomplete&kind=bad" {
		t.Errorf("defaults: %s", st.url())
	}
	if _, err := parseListState("/", url.Values{"start": {"2026-04-02"}, "end": {"2026-04-01"}}, eventsKinds, eventsCols, now); err == nil {
		t.Error("an empty time range was accepted")
	}
}

func TestUIParseBadRow(t *testing.T) {
	tests := []struct {
		name      string
		row       string
		wantType  string
		wantMsgs  []string
		wantPaths []string
	}{
		{"schema violation", `{"schema":"iglu:com.snowplowanalytics.snowplow.badrows/schema_violations/jsonschema/2-0-0","data":{"failure":{"messages":[{"schemaKey":"iglu:com.acme/x/jsonschema/1-0-0","error":{"error":"ValidationError","dataReports":[{"message":"$.price: is missing but it is required","path":"$","keyword":"required","targets":["price"]},{"message":"$.sku: integer found, string expected","path":"$.sku","keyword":"type","targets":["integer","string"]}]}}]}}}`,
			"schema_violations", []string{"$.price: is missing but it is required", "$.sku: integer found, string expected"}, []string{"$", "$.sku"}},
		{"atomic field", `{"schema":"iglu:com.snowplowanalytics.snowplow.badrows/schema_violations/jsonschema/2-0-0","data":{"failure":{"messages":[{"schemaKey":"iglu:com.snowplowanalytics.snowplow/atomic/jsonschema/1-0-0","error":{"error":"ValidationError","dataReports":[{"message":"Not a valid UUID","path":"eid","keyword":"atomic_field_parse_error","targets":[]}]}}]}}}`,
			"schema_violations", []string{"eid: Not a valid UUID"}, []string{"eid"}},
		{"resolution error", `{"schema":"iglu:com.snowplowanalytics.snowplow.badrows/schema_violations/jsonschema/2-0-0","data":{"failure":{"messages":[{"schemaKey":"iglu:com.acme/x/jsonschema/1-0-0","error":{"error":"ResolutionError","lookupHistory":[{"repository":"Iglu Central","errors":[{"error":"NotFound"}]}]}}]}}}`,
			"schema_violations", []string{"NotFound"}, nil},
		{"size violation", `{"schema":"iglu:com.snowplowanalytics.snowplow.badrows/size_violation/jsonschema/1-0-0","data":{"failure":{"maximumAllowedSizeBytes":10,"actualSizeBytes":20,"expectation":"oversized collector payload"}}}`,
			"size_violation", []string{"oversized collector payload"}, nil},
		{"not JSON", `{"schema":`, "unreadable bad row", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseBadRow([]byte(tt.row))
			if got.Type != tt.wantType || !reflect.DeepEqual(got.Messages, tt.wantMsgs) || !reflect.DeepEqual(got.Paths, tt.wantPaths) {
				t.Errorf("got %+v\nwant type %q messages %q paths %q", got, tt.wantType, tt.wantMsgs, tt.wantPaths)
			}
		})
	}
}
