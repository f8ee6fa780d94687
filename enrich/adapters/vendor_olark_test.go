package adapters

import (
	"net/url"
	"testing"
)

func TestOlark(t *testing.T) {
	const tv = "com.olark-v1"
	form := func(data string) *string { return sp("data=" + url.QueryEscape(data)) }
	runVendor(t, "com.olark", "v1", []vendorCase{
		{
			name: "transcript",
			body: form(`{"kind":"Conversation","items":[{"timestamp":"1307116657.1","visitor_nickname":"John"}],"operators":{"1234":{"id":"1234"}},"visitor":{"chat_feedback":{"overall_chat":5}}}`),
			ct:   ctFormP,
			want: []map[string]string{ev(tv, "iglu:com.olark/transcript/jsonschema/1-0-0",
				`{"kind":"Conversation","items":[{"timestamp":"2011-06-03T15:57:37.100Z","visitorNickname":"John"}],"operators":{"1234":{"id":"1234"}},"visitor":{"chatFeedback":{"overallChat":5}}}`)},
		},
		{
			name: "offline message",
			body: form(`{"kind":"Conversation","items":[{"kind":"OfflineMessage","timestamp":"1307116667.1"}]}`),
			ct:   ctFormP,
			want: []map[string]string{ev(tv, "iglu:com.olark/offline_message/jsonschema/1-0-0",
				`{"kind":"Conversation","items":[{"kind":"OfflineMessage","timestamp":"2011-06-03T15:57:47.100Z"}]}`)},
		},
		{name: "no data field", body: sp("other=1"), ct: ctFormP,
			fail: []string{`{"field":"data","value":null,"expectation":"missing 'data' field in body"}`}},
		{name: "bad JSON", body: sp("data=%7B"), ct: ctFormP,
			fail: []string{`{"field":"data","value":"{","error":"invalid json: unexpected end of JSON input"}`}},
		{name: "no body", ct: ctFormP, fail: []string{failEmptyBody}},
		{name: "no content type", body: sp("stub"), fail: []string{failNoCTForm}},
		{name: "wrong content type", body: sp("stub"), ct: ctJSONP, fail: []string{failJSONAsForm}},
	})
}
