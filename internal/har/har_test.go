package har

import (
	"strings"
	"testing"
	"time"
)

const capture = `{"log":{"version":"1.2","entries":[
 {"startedDateTime":"2026-12-01T09:30:00.123Z","request":{"method":"GET",
  "url":"https://collector.shop.example/i?e=pv&tv=js-4.0.0&p=web&aid=shop",
  "headers":[{"name":":authority","value":"collector.shop.example"},{"name":"User-Agent","value":"Mozilla/5.0 (iPhone)"},{"name":"Cookie","value":"sp=abc"}]}},
 {"startedDateTime":"2026-12-01T09:30:01.000+01:00","request":{"method":"POST",
  "url":"https://collector.shop.example/com.snowplowanalytics.snowplow/tp2",
  "headers":[{"name":"Origin","value":"https://shop.example"}],
  "postData":{"mimeType":"application/json; charset=UTF-8","text":"{\"schema\":\"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4\",\"data\":[]}"}}},
 {"startedDateTime":"2026-12-01T09:30:01.500Z","request":{"method":"OPTIONS","url":"https://collector.shop.example/com.snowplowanalytics.snowplow/tp2","headers":[]}},
 {"startedDateTime":"2026-12-01T09:30:02Z","request":{"method":"GET","url":"https://shop.example/app.js","headers":[]}},
 {"startedDateTime":"2026-12-01T09:30:03Z","request":{"method":"GET","url":"https://cdn.example/images/i","headers":[]}},
 {"startedDateTime":"2026-12-01T09:30:04Z","request":{"method":"POST","url":"https://t.example/custom/prefix/com.mailchimp/v1","headers":[],
  "postData":{"mimeType":"application/x-www-form-urlencoded","text":"type=subscribe"}}},
 {"startedDateTime":"2026-12-01T09:30:05Z","request":{"method":"GET","url":"https://t.example/r/tp2?u=https%3A%2F%2Fshop.example","headers":[]}}
]}}`

func TestParseAndDetect(t *testing.T) {
	reqs, err := Parse(strings.NewReader(capture))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		path string
		ok   bool
	}{
		{"/i", true}, {"/com.snowplowanalytics.snowplow/tp2", true}, {"", false}, {"", false}, {"", false},
		{"/com.mailchimp/v1", true}, {"/r/tp2", true},
	}
	if len(reqs) != len(want) {
		t.Fatalf("%d requests", len(reqs))
	}
	for i, w := range want {
		path, ok := TrackerPath(reqs[i])
		if path != w.path || ok != w.ok {
			t.Errorf("entry %d (%s %s): %q %v, want %q %v", i, reqs[i].Method, reqs[i].URL, path, ok, w.path, w.ok)
		}
	}
	if got := reqs[0].Header.Get("Cookie"); got != "sp=abc" || reqs[0].Header.Get(":authority") != "" {
		t.Errorf("headers %v", reqs[0].Header)
	}
	if !reqs[1].Time.Equal(time.Date(2026, 12, 1, 8, 30, 1, 0, time.UTC)) || reqs[1].Header.Get("Content-Type") != "application/json; charset=UTF-8" {
		t.Errorf("tp2 entry: %v %v", reqs[1].Time, reqs[1].Header)
	}
	if !strings.Contains(string(reqs[1].Body), "payload_data") {
		t.Errorf("body %q", reqs[1].Body)
	}
}

func TestParseRefuses(t *testing.T) {
	for doc, want := range map[string]string{
		`not json`: "not a HAR capture",
		`{"log":{"entries":[{"startedDateTime":"2026-12-01T09:30:00Z","request":{"method":"GET","url":"/i"}}]}}`:       "entry 0: url",
		`{"log":{"entries":[{"startedDateTime":"yesterday","request":{"method":"GET","url":"https://x.example/i"}}]}}`: "entry 0: startedDateTime",
	} {
		if _, err := Parse(strings.NewReader(doc)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", doc, err, want)
		}
	}
}
