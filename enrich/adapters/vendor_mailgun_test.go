package adapters

import "testing"

func TestMailgun(t *testing.T) {
	const tv = "com.mailgun-v1"
	sig := `"signature":{"token":"tok","timestamp":"1657907833","signature":"sig"}`
	runVendor(t, "com.mailgun", "v1", []vendorCase{
		{
			name: "keys camel-cased, signature merged",
			body: sp(`{` + sig + `,"event-data":{"id":"X","timestamp":1521472262.908181,"log-level":"info","event":"opened","client-info":{"client-os":"Linux"},"user-variables":{"my_var_1":"a"}}}`),
			ct:   ctJSONP,
			want: []map[string]string{ev(tv, "iglu:com.mailgun/message_opened/jsonschema/1-0-0",
				`{"id":"X","timestamp":"2022-07-15T17:57:13.000Z","logLevel":"info","clientInfo":{"clientOs":"Linux"},"userVariables":{"myVar1":"a"},"token":"tok","signature":"sig"}`)},
		},
		{name: "no event", body: sp(`{}`), ct: ctJSONP,
			fail: []string{`{"field":"body","value":"{}","expectation":"no ` + "`event`" + ` parameter provided: cannot determine event type"}`}},
		{name: "unknown event", body: sp(`{` + sig + `,"event-data":{"event":"released"}}`), ct: ctJSONP,
			fail: []string{`{"actual":"released","expectedMapping":{"bounced":"iglu:com.mailgun/message_bounced/jsonschema/1-0-0","clicked":"iglu:com.mailgun/message_clicked/jsonschema/1-0-0","complained":"iglu:com.mailgun/message_complained/jsonschema/1-0-0","delivered":"iglu:com.mailgun/message_delivered/jsonschema/1-0-0","dropped":"iglu:com.mailgun/message_dropped/jsonschema/1-0-0","opened":"iglu:com.mailgun/message_opened/jsonschema/1-0-0","unsubscribed":"iglu:com.mailgun/recipient_unsubscribed/jsonschema/1-0-0"},"expectation":"no schema associated with the provided type parameter"}`}},
		{name: "missing timestamp and token", body: sp(`{"signature":{"signature":"s"},"event-data":{"event":"delivered"}}`), ct: ctJSONP,
			fail: []string{
				`{"field":"timestamp","value":null,"expectation":"missing 'timestamp'"}`,
				`{"field":"token","value":null,"expectation":"missing 'token'"}`,
			}},
		{name: "bad timestamp", body: sp(`{"signature":{"signature":"s","token":"t","timestamp":"soon"},"event-data":{"event":"delivered"}}`), ct: ctJSONP,
			fail: []string{`{"field":"timestamp","value":"\"soon\"","expectation":"not a Unix timestamp in seconds"}`}},
		{name: "empty body", body: sp(""), ct: ctJSONP, fail: []string{failEmptyBody}},
		{name: "wrong content type", body: sp("body"), ct: sp("multipart/form-data"),
			fail: []string{`{"field":"contentType","value":"multipart/form-data","expectation":"expected application/json"}`}},
	})
}
