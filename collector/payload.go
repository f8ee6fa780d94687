// Package collector is plowbox's tracker-facing HTTP surface: it turns each tracking
// request into a Payload (the collector payload record of the Snowplow pipeline), hands it
// to a Sink and answers the tracker once the Sink has committed it.
package collector

import (
	"context"
	"strings"
	"time"
)

// PayloadSchema is the constant schema of every collector payload record.
const PayloadSchema = "iglu:com.snowplowanalytics.snowplow/CollectorPayload/thrift/1-0-0"

// Payload is everything plowbox records about one tracking request (spec collector.md §12).
// Nullable fields are pointers; nil means the value was absent.
type Payload struct {
	Schema        string    `json:"schema"`
	IPAddress     string    `json:"ipAddress"`
	Timestamp     time.Time `json:"timestamp"` // receipt time, millisecond precision, UTC
	Encoding      string    `json:"encoding"`
	Collector     string    `json:"collector"`
	UserAgent     *string   `json:"userAgent"`
	RefererURI    *string   `json:"refererUri"`
	Path          string    `json:"path"`        // after aliasing: /i, /ice.png or /vendor/version
	Querystring   string    `json:"querystring"` // raw, still percent-encoded, "" when absent
	Body          *string   `json:"body"`        // POST only
	Headers       []string  `json:"headers"`
	ContentType   *string   `json:"contentType"` // POST only, lowercased
	Hostname      *string   `json:"hostname"`
	NetworkUserID *string   `json:"networkUserId"`
}

// Sink receives collector payloads. Sink must return only once the payload and everything
// derived from it are durably stored, so that a tracker that saw a 200 can read its events.
type Sink interface {
	Sink(ctx context.Context, p *Payload) error
}

// SinkFunc adapts a function to the Sink interface.
type SinkFunc func(ctx context.Context, p *Payload) error

// Sink calls f.
func (f SinkFunc) Sink(ctx context.Context, p *Payload) error { return f(ctx, p) }

// API returns the vendor and version the payload's path addresses: /i and /ice.png are
// com.snowplowanalytics.snowplow/tp1, a two-segment path is its own vendor/version.
// ok is false when the path has neither form.
func (p *Payload) API() (vendor, version string, ok bool) {
	switch p.Path {
	case "/i", "/ice.png":
		return "com.snowplowanalytics.snowplow", "tp1", true
	}
	s := strings.TrimPrefix(p.Path, "/")
	s = strings.TrimSuffix(s, "/")
	vendor, version, found := strings.Cut(s, "/")
	if !found || vendor == "" || version == "" || strings.Contains(version, "/") {
		return "", "", false
	}
	return vendor, version, true
}

// Size is the size in bytes of the payload serialised as a Thrift TBinaryProtocol
// CollectorPayload struct, computed without serialising (collector.md §11).
func (p *Payload) Size() int {
	n := 1 // stop byte
	str := func(s string) { n += 3 + 4 + len(s) }
	opt := func(s *string) {
		if s != nil {
			str(*s)
		}
	}
	str(p.Schema)
	str(p.IPAddress)
	n += 3 + 8 // timestamp
	str(p.Encoding)
	str(p.Collector)
	opt(p.UserAgent)
	opt(p.RefererURI)
	str(p.Path)
	str(p.Querystring)
	opt(p.Body)
	if p.Headers != nil {
		n += 3 + 5
		for _, h := range p.Headers {
			n += 4 + len(h)
		}
	}
	opt(p.ContentType)
	opt(p.Hostname)
	opt(p.NetworkUserID)
	return n
}
