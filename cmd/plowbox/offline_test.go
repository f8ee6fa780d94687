package main

import (
	"errors"
	"net"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// noNetwork is an HTTP proxy that refuses every request it is sent, so that a plowbox
// whose environment points at it has no network: any lookup over HTTP (Iglu Central
// included) fails at once, and Asked says whether one was tried.
type noNetwork struct {
	ln    net.Listener
	asked atomic.Int64
}

// newNoNetwork starts the proxy; it stops when the test ends.
func newNoNetwork(t *testing.T) *noNetwork {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n := &noNetwork{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err == nil {
				n.asked.Add(1)
				c.Close()
			}
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return n
}

// env is the environment that sends every outgoing HTTP request to the proxy.
func (n *noNetwork) env() []string {
	u := "http://" + n.ln.Addr().String()
	return []string{"HTTP_PROXY=" + u, "http_proxy=" + u, "HTTPS_PROXY=" + u, "https_proxy=" + u, "NO_PROXY=", "no_proxy="}
}

// Asked returns the number of requests plowbox tried to send over the network.
func (n *noNetwork) Asked() int64 { return n.asked.Load() }

// clientSessionEntity is a contexts parameter with the standard client_session entity.
const clientSessionEntity = `{"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1","data":[` +
	`{"schema":"iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2","data":{"userId":"8a1b4d9e-2c3f-4e5a-9b6c-7d8e9f0a1b2c",` +
	`"sessionId":"1c2b4d9e-2c3f-4e5a-9b6c-7d8e9f0a1b2c","sessionIndex":1,"previousSessionId":null,"storageMechanism":"SQLITE"}}]}`

// With the defaults and no network, standard schemas resolve from the built-in Iglu
// Central snapshot without a single request over the network, the control plane takes
// an enrichment config (its config schema is in the snapshot), and an unknown schema's
// bad row names every repository that was asked. --iglu-offline leaves Iglu Central
// out of the history.
func TestOfflineOutOfTheBox(t *testing.T) {
	anonIP := `{"schema":"iglu:com.snowplowanalytics.snowplow/anon_ip/jsonschema/1-0-1","data":{"name":"anon_ip","vendor":"com.snowplowanalytics.snowplow","enabled":true,"parameters":{"anonOctets":2,"anonSegments":2}}}`
	for _, tc := range []struct {
		name       string
		args       []string
		wantRepos  []string
		wantAsked  bool // the unknown schema was looked up over the network
		notInRepos string
	}{
		{name: "default", wantRepos: []string{`"repository":"plowbox"`, `"repository":"Iglu Central snapshot"`, `"repository":"Iglu Central"`, `"error":"RepoFailure"`}, wantAsked: true},
		{name: "iglu-offline", args: []string{"--iglu-offline"}, wantRepos: []string{`"repository":"plowbox"`, `"repository":"Iglu Central snapshot"`, `"repository":"Kept copies"`}, notInRepos: `"repository":"Iglu Central"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nw := newNoNetwork(t)
			p := startPlowboxEnv(t, "", nw.env(), append([]string{"--auth", "none", "--iglu-dir", emptyRegistry(t)}, tc.args...)...)

			q := "/i?e=se&p=srv&tv=rb-0.6.1&tna=gl&se_ca=projects&se_ac=create&co=" + url.QueryEscape(clientSessionEntity)
			if status, _ := p.get(t, q); status != 200 {
				t.Fatalf("GET /i = %d", status)
			}
			wantCounts(t, p, 1, 0)
			if status, body := p.get(t, "/micro/iglu/com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2"); status != 200 || !strings.Contains(body, `"client_session"`) {
				t.Errorf("/micro/iglu client_session: %d %.80s", status, body)
			}
			if status, body := p.uploadEnrichment(t, "anon_ip.json", anonIP); status != 200 || body != "uploaded successfully" {
				t.Errorf("enrichment upload offline: %d %q", status, body)
			}
			if n := nw.Asked(); n != 0 {
				t.Errorf("plowbox asked the network %d times for standard schemas", n)
			}

			linkClick(t, p, "iglu:com.acme/nope/jsonschema/1-0-0", `{}`, false)
			wantCounts(t, p, 1, 1)
			row := lastBadRow(t, p)
			for _, s := range tc.wantRepos {
				if !strings.Contains(row, s) {
					t.Errorf("unknown schema: bad row lacks %s: %s", s, row)
				}
			}
			if tc.notInRepos != "" && strings.Contains(row, tc.notInRepos) {
				t.Errorf("unknown schema: bad row has %s: %s", tc.notInRepos, row)
			}
			if asked := nw.Asked() > 0; asked != tc.wantAsked {
				t.Errorf("network asked for the unknown schema: %v, want %v", asked, tc.wantAsked)
			}
		})
	}
}
