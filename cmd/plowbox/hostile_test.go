package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Outcomes a hostile input may have: a 4xx with a message, or a bad row that /micro/bad
// lists (the tracker's 200 included). Never a 5xx, never a silent drop, and the process
// lives on.
const (
	want4xx    = "4xx with a message"
	wantBad    = "a bad row"
	wantStored = "a good event" // valid after all: invalid bytes replaced by U+FFFD, an escaped NUL
	want501    = "501"          // Go's server, for a transfer coding it does not know, as RFC 9112 asks
)

// hostile is one hostile request, written on the wire as it is.
type hostile struct {
	name string
	raw  string
	want string
}

func get(target string, headers ...string) string {
	return "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n" + strings.Join(headers, "") + "Connection: close\r\n\r\n"
}

func post(target, contentType, body string, headers ...string) string {
	return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: %s\r\nContent-Length: %d\r\n%sConnection: close\r\n\r\n%s",
		target, contentType, len(body), strings.Join(headers, ""), body)
}

func tp2(events string) string {
	return `{"schema":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4","data":[` + events + `]}`
}

const tp2Path = "/com.snowplowanalytics.snowplow/tp2"

func hostileInputs() []hostile {
	deep := strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000)
	deepSD := strings.Repeat(`{"a":`, 60) + "1" + strings.Repeat("}", 60)
	ue := func(data string) string {
		return url.QueryEscape(`{"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0","data":{"schema":"iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1","data":` + data + `}}`)
	}
	var params strings.Builder
	for i := range 10000 {
		fmt.Fprintf(&params, `,"k%d":"v"`, i)
	}
	var qparams strings.Builder
	for i := range 10000 {
		fmt.Fprintf(&qparams, "&k%d=", i)
	}
	return []hostile{
		{"body over --max-payload-size", post(tp2Path, "application/json", tp2(`{"e":"pv","p":"web","tv":"t","url":"`+strings.Repeat("x", 1<<20+10)+`"}`)), wantBad},
		{"body over --drop-payload-size", post(tp2Path, "application/json", strings.Repeat("x", 2<<20+10)), want4xx},
		{"chunked body over --drop-payload-size", "POST " + tp2Path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", 2<<20+10, strings.Repeat("x", 2<<20+10)), want4xx},
		{"bad base64 in ue_px", get("/i?e=ue&p=web&tv=t&ue_px=%21%21%21not-base64"), wantBad},
		{"bad base64 in cx", get("/i?e=pv&p=web&tv=t&cx=%25%25%25"), wantBad},
		{"invalid UTF-8 in a TP2 body", post(tp2Path, "application/json", "{\"schema\":\"\xff\xfe\",\"data\":[]}"), wantBad},
		{"invalid UTF-8 in a self-describing event", get("/i?e=ue&p=web&tv=t&ue_pr=" + ue("{\"targetUrl\":\"\xff\"}")), wantStored},
		{"not JSON at all", post(tp2Path, "application/json", "not json"), wantBad},
		{"TP2 of the wrong schema", post(tp2Path, "application/json", `{"schema":"iglu:com.acme/x/jsonschema/1-0-0","data":[]}`), wantBad},
		{"10k parameters in one TP2 event", post(tp2Path, "application/json", tp2(`{"e":"pv","p":"web","tv":"t"`+params.String()+`}`)), wantBad},
		{"10k parameters in a GET", get("/i?e=pv&p=web&tv=t" + qparams.String()), want4xx},
		{"deep JSON body", post(tp2Path, "application/json", deep), wantBad},
		{"deep self-describing JSON", get("/i?e=ue&p=web&tv=t&ue_pr=" + ue(deepSD)), wantBad},
		{"NUL byte in a TP2 body", post(tp2Path, "application/json", "{\"schema\":\"x\x00\",\"data\":[]}"), wantBad},
		{"NUL bytes in an escaped self-describing event", get("/i?e=ue&p=web&tv=t&ue_pr=" + ue(`{"targetUrl":"\u0000"}`)), wantStored},
		{"NUL byte in the request line", "GET /i?e=pv\x00 HTTP/1.1\r\nHost: x\r\n\r\n", want4xx},
		{"NUL byte in a header", get("/i?e=pv", "X-Evil: a\x00b\r\n"), want4xx},
		{"huge header", get("/i?e=pv", "X-Big: "+strings.Repeat("h", 60<<10)+"\r\n"), want4xx},
		{"a thousand headers", get("/i?e=pv", strings.Repeat("X-Many: m\r\n", 5000)), want4xx},
		{"URL over 44 KB", get("/i?e=pv&url=" + strings.Repeat("u", 50<<10)), want4xx},
		{"bad percent-encoding", get("/i?e=pv&p=web&tv=t&url=%zz%"), wantBad},
		{"unknown vendor", post("/com.acme/v1", "application/json", `{"a":1}`), wantBad},
		{"webhook with a broken body", post("/com.sendgrid/v3", "application/json", "[{"), wantBad},
		{"webhook of the wrong content type", post("/com.mailchimp/v1", "text/plain", "x"), wantBad},
		{"Content-Length with Transfer-Encoding", "POST " + tp2Path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + get("/micro/reset"), want4xx},
		{"bad Content-Length", "POST " + tp2Path + " HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", want4xx},
		{"unsupported Transfer-Encoding", "POST " + tp2Path + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", want501},
		{"deep JSON Micro filter", post("/micro/good", "application/json", strings.Repeat("[", 20000)+strings.Repeat("]", 20000)), want4xx},
		{"Micro filter of the wrong type", post("/micro/good", "application/json", `{"limit":"many"}`), want4xx},
		{"unparsable query", get("/plowbox/api/search?q=" + url.QueryEscape("((((app_id:")), want4xx},
		{"query of a huge regexp", get("/plowbox/api/search?q=" + url.QueryEscape("/"+strings.Repeat("(a*)*", 2000)+"/")), want4xx},
		{"wait with a bad timeout", get("/plowbox/api/wait?timeout=forever"), want4xx},
		{"path traversal in the explorer", get("/micro/ui/static/../../../../etc/passwd"), want4xx},
		{"escaped path traversal", get("/micro/ui/static/%2e%2e/%2e%2e/etc/passwd"), want4xx},
		{"record of a bad sequence", get("/plowbox/api/records/-1"), want4xx},
		{"track-and-wait with broken JSON", post("/plowbox/api/track-and-wait", "application/json", `{"path":`), want4xx},
		{"HTTP/2 preface on the HTTP/1 port", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", want4xx},
		{"garbage instead of a request", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n", want4xx},
	}
}

// Every hostile input above, on the wire to the real binary on loopback: a 4xx with a
// message or a bad row the user finds in /micro/bad; 0 × 5xx; the process lives,
// slowloris connections included.
func TestHostileInputs(t *testing.T) {
	p := startPlowbox(t, "", "--auth", "none", "--event-log=false")
	addr := strings.TrimPrefix(p.URL, "http://")
	counts := func() (c struct{ Total, Good, Bad int }) {
		p.getJSON(t, "/micro/all", &c)
		return c
	}
	// Slowloris: connections that send their headers a byte at a time for the whole
	// test; plowbox answers everything else meanwhile.
	stop := make(chan struct{})
	defer close(stop)
	for range 100 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		go func() {
			for _, b := range []byte("GET /i?e=pv HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("s", 1000)) {
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
				}
				if _, err := c.Write([]byte{b}); err != nil {
					return
				}
			}
		}()
	}

	for _, h := range hostileInputs() {
		t.Run(h.name, func(t *testing.T) {
			before := counts()
			status, body := sendRaw(t, addr, h.raw)
			after := counts()
			if status >= 500 && !(h.want == want501 && status == http.StatusNotImplemented) {
				t.Fatalf("%d %q", status, clip(body))
			}
			switch h.want {
			case want4xx:
				if status < 400 || strings.TrimSpace(body) == "" {
					t.Errorf("answered %d %q, want a 4xx with a message", status, clip(body))
				}
				if after.Total != before.Total {
					t.Errorf("stored %d records for a refused request", after.Total-before.Total)
				}
			case wantStored:
				if status != http.StatusOK || after.Good != before.Good+1 {
					t.Errorf("answered %d, %+v → %+v: want one more good event", status, before, after)
				}
			case wantBad:
				if after.Bad <= before.Bad {
					t.Errorf("answered %d %q and no bad row was stored (%+v → %+v)", status, clip(body), before, after)
				}
			}
		})
	}
	if status, body := p.get(t, "/health"); status != http.StatusOK {
		t.Fatalf("after the hostile inputs: /health %d %s", status, body)
	}
	var bad []struct {
		Errors []string `json:"errors"`
	}
	status, body := p.get(t, "/micro/bad")
	if err := json.Unmarshal([]byte(body), &bad); err != nil || status != http.StatusOK {
		t.Fatalf("/micro/bad: %d %v", status, err)
	}
	for i, b := range bad {
		if len(b.Errors) == 0 {
			t.Errorf("bad row %d names no error", i)
		}
	}
}

// sendRaw writes raw on a new connection and reads the answer; a connection closed
// without one counts as status 0 (the caller's 4xx check then fails).
func sendRaw(t *testing.T, addr, raw string) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial: %v (is the process alive?)", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	go io.WriteString(c, raw) // the server may answer before reading everything
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, "no answer: " + err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
