// Package har reads browser HAR captures (HTTP Archive 1.2) and picks out the requests a
// Snowplow tracker sent, so that traffic recorded on a phone or a production site can be
// replayed through plowbox's collector.
package har

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Request is one request of a capture, as it was sent.
type Request struct {
	Method string
	URL    *url.URL
	Header http.Header
	Body   []byte // nil when none
	Time   time.Time
}

// archive is the part of a HAR file plowbox reads (http://www.softwareishard.com/blog/har-12-spec/).
type archive struct {
	Log struct {
		Entries []struct {
			StartedDateTime string `json:"startedDateTime"`
			Request         struct {
				Method  string `json:"method"`
				URL     string `json:"url"`
				Headers []struct {
					Name  string `json:"name"`
					Value string `json:"value"`
				} `json:"headers"`
				PostData *struct {
					MimeType string `json:"mimeType"`
					Text     string `json:"text"`
					Encoding string `json:"encoding"` // "base64" when Text is encoded (a HAR extension)
				} `json:"postData"`
			} `json:"request"`
		} `json:"entries"`
	} `json:"log"`
}

// Parse reads a HAR capture and returns its requests in capture order. An entry that
// cannot be read (no URL, bad time) is an error naming it.
func Parse(r io.Reader) ([]Request, error) {
	var a archive
	if err := json.NewDecoder(r).Decode(&a); err != nil {
		return nil, fmt.Errorf("HAR: not a HAR capture: %w", err)
	}
	out := make([]Request, 0, len(a.Log.Entries))
	for i, e := range a.Log.Entries {
		u, err := url.Parse(e.Request.URL)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("HAR: entry %d: url %q is not absolute", i, e.Request.URL)
		}
		t, err := time.Parse(time.RFC3339Nano, e.StartedDateTime)
		if err != nil {
			return nil, fmt.Errorf("HAR: entry %d: startedDateTime %q: %w", i, e.StartedDateTime, err)
		}
		req := Request{Method: strings.ToUpper(e.Request.Method), URL: u, Header: http.Header{}, Time: t.UTC()}
		for _, h := range e.Request.Headers {
			if strings.HasPrefix(h.Name, ":") { // HTTP/2 pseudo-headers
				continue
			}
			req.Header.Add(h.Name, h.Value)
		}
		if pd := e.Request.PostData; pd != nil {
			req.Body = []byte(pd.Text)
			if pd.Encoding == "base64" {
				if req.Body, err = base64.StdEncoding.DecodeString(pd.Text); err != nil {
					return nil, fmt.Errorf("HAR: entry %d: postData: %w", i, err)
				}
			}
			if req.Header.Get("Content-Type") == "" && pd.MimeType != "" {
				req.Header.Set("Content-Type", pd.MimeType)
			}
		}
		out = append(out, req)
	}
	return out, nil
}

// webhookPath is a collector path /vendor/version: a reversed domain and v1, tp2, …
var webhookPath = regexp.MustCompile(`/([a-z0-9-]+(?:\.[a-z0-9-]+)+)/(v[0-9]+|tp[0-9]+)$`)

// TrackerPath returns the collector path of a Snowplow request (its path without what a
// custom collector URL put before it) and whether the request is one: GET /i or
// /ice.png with tracker parameters, a tp2 POST or GET, the redirect /r/tp2, or a webhook
// /vendor/version. Snowplow Inspector recognises requests in much the same way, by
// their path and their tracker parameters.
func TrackerPath(req Request) (string, bool) {
	p := req.URL.EscapedPath()
	switch {
	case req.Method == http.MethodOptions:
		return "", false
	case strings.HasSuffix(p, "/i") || strings.HasSuffix(p, "/ice.png"):
		q := req.URL.Query()
		if q.Has("e") || q.Has("tv") {
			return p[strings.LastIndex(p, "/"):], true
		}
	case strings.HasSuffix(p, "/r/tp2"):
		return "/r/tp2", true
	}
	if m := webhookPath.FindStringSubmatchIndex(p); m != nil {
		return p[m[0]:], true
	}
	return "", false
}

type timeKey struct{}

// WithTime returns ctx carrying the original time of an imported request, which the
// pipeline takes as the collector timestamp.
func WithTime(ctx context.Context, t time.Time) context.Context {
	return context.WithValue(ctx, timeKey{}, t)
}

// TimeFrom returns the original time ctx carries.
func TimeFrom(ctx context.Context) (time.Time, bool) {
	t, ok := ctx.Value(timeKey{}).(time.Time)
	return t, ok
}
