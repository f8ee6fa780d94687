// Package relay forwards every collector request plowbox stored to an upstream Snowplow
// collector, as it was received: plowbox as a QA box in front of a production pipeline.
// The relay is a follower of the store's log, so forwarding is durable, ordered and
// retried, and an upstream that is down grows the relay's lag without ever holding back
// the tracker.
package relay

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/follow"
)

// Name is the relay's follower name, the settings key of its cursor.
const Name = "relay"

// Config configures the relay.
type Config struct {
	// URL is the upstream collector's base URL; each payload's path and query string are
	// appended to it.
	URL string
	// CookieName is the network user id cookie's name: when the tracker sent none, the
	// relay sends the nuid plowbox set, so that upstream records the same network_userid.
	CookieName string
	// DropCookies are cookies never forwarded: plowbox's own credentials.
	DropCookies []string
	// Timeout bounds one forwarded request; 0 means 10 s.
	Timeout time.Duration
	// Client sends the requests; nil means a client of its own.
	Client *http.Client
	// Logger receives the requests upstream refused; nil means slog.Default().
	Logger *slog.Logger
}

// Log is what the relay reads of the store.
type Log interface {
	follow.Log
	Get(seq uint64) (*store.Record, bool, error)
}

// Relay forwards stored collector payloads upstream.
type Relay struct {
	cfg      Config
	base     *url.URL
	log      Log
	client   *http.Client
	logger   *slog.Logger
	prev     *store.Record // the last forwarded record
	refused  atomic.Uint64
	follower *follow.Follower
}

// New returns the relay of cfg over log, as a follower ready to Run.
func New(cfg Config, log Log, fopts follow.Options) (*Relay, error) {
	base, err := url.Parse(cfg.URL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("relay: URL %q: want http(s)://host[:port][/prefix]", cfg.URL)
	}
	base.Path = strings.TrimSuffix(base.Path, "/")
	r := &Relay{cfg: cfg, base: base, log: log, client: cfg.Client, logger: cfg.Logger}
	if r.client == nil {
		r.client = &http.Client{}
	}
	// A redirect (the collector's /r/tp2) is the upstream's answer, not a place to go.
	c := *r.client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	r.client = &c
	if r.cfg.Timeout <= 0 {
		r.cfg.Timeout = 10 * time.Second
	}
	if r.logger == nil {
		r.logger = slog.Default()
	}
	f, err := follow.New(Name, log, r.deliver, fopts)
	if err != nil {
		return nil, err
	}
	r.follower = f
	return r, nil
}

// Follower returns the relay's follower.
func (r *Relay) Follower() *follow.Follower { return r.follower }

// Refused returns the number of requests upstream answered with a 4xx other than 408 and
// 429: they are not retried (the same request would be refused again) but logged.
func (r *Relay) Refused() uint64 { return r.refused.Load() }

// deliver forwards the payloads of recs, one request each, in order.
func (r *Relay) deliver(ctx context.Context, recs []*store.Record) (int, error) {
	for i, rec := range recs {
		first, err := r.firstOfPayload(rec, i, recs)
		if err != nil {
			return r.done(recs, i), err
		}
		if !first || rec.Payload == nil || rec.Tapped() { // tapped records came from upstream
			continue
		}
		if err := r.forward(ctx, rec.Payload); err != nil {
			return r.done(recs, i), err
		}
	}
	return r.done(recs, len(recs)), nil
}

// done remembers the last of the first n records as forwarded and returns n.
func (r *Relay) done(recs []*store.Record, n int) int {
	if n > 0 {
		r.prev = recs[n-1]
	}
	return n
}

// firstOfPayload reports whether rec is the first record of its payload: the payload is
// forwarded once, at it.
func (r *Relay) firstOfPayload(rec *store.Record, i int, recs []*store.Record) (bool, error) {
	prev := r.prev
	if i > 0 {
		prev = recs[i-1]
	}
	if prev == nil && rec.Seq > 1 {
		p, ok, err := r.log.Get(rec.Seq - 1)
		if err != nil {
			return false, fmt.Errorf("read record %d: %w", rec.Seq-1, err)
		}
		if ok {
			prev = p
		}
	}
	return prev == nil || prev.PayloadSeq != rec.PayloadSeq, nil
}

// forward sends one payload upstream; a nil error means upstream took it (or refused it
// for good).
func (r *Relay) forward(ctx context.Context, p *collector.Payload) error {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	req, err := r.request(ctx, p)
	if err != nil {
		return err
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return fmt.Errorf("relay to %s: %w", r.base.Redacted(), err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	switch c := resp.StatusCode; {
	case c < 400:
		return nil
	case c >= 500 || c == http.StatusRequestTimeout || c == http.StatusTooManyRequests:
		return fmt.Errorf("relay to %s: %s", r.base.Redacted(), resp.Status)
	default:
		r.refused.Add(1)
		r.logger.Warn("relay: upstream refused a request; not retried", "status", resp.Status, "path", p.Path)
		return nil
	}
}

// hopHeaders are never forwarded: they describe the connection to plowbox, or are set
// by the client for the connection upstream, or are plowbox's own credentials.
var hopHeaders = map[string]bool{
	"Host": true, "Content-Length": true, "Connection": true, "Keep-Alive": true, "Transfer-Encoding": true,
	"Te": true, "Trailer": true, "Upgrade": true, "Proxy-Connection": true, "Proxy-Authorization": true,
	"Authorization": true, "X-Forwarded-For": true, "Cookie": true,
}

// request rebuilds the tracker's request from the stored payload: GET for a payload
// without a body, POST with it otherwise; the tracker's headers; X-Forwarded-For with the
// IP address plowbox recorded, which upstream then records too.
func (r *Relay) request(ctx context.Context, p *collector.Payload) (*http.Request, error) {
	u := *r.base
	u.Path += p.Path
	u.RawQuery = p.Querystring
	method, body := http.MethodGet, io.Reader(nil)
	if p.Body != nil {
		method, body = http.MethodPost, strings.NewReader(*p.Body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("relay: %w", err)
	}
	var cookies []string
	for _, h := range p.Headers {
		name, value, ok := strings.Cut(h, ": ")
		if !ok {
			continue // the content-type line of the collector payload, not a header
		}
		name = http.CanonicalHeaderKey(name)
		if name == "Cookie" {
			cookies = append(cookies, r.keptCookies(value)...)
			continue
		}
		if hopHeaders[name] {
			continue
		}
		req.Header.Add(name, value)
	}
	if p.NetworkUserID != nil && r.cfg.CookieName != "" && !hasCookie(cookies, r.cfg.CookieName) {
		cookies = append(cookies, r.cfg.CookieName+"="+*p.NetworkUserID)
	}
	if len(cookies) > 0 {
		req.Header.Set("Cookie", strings.Join(cookies, "; "))
	}
	if p.ContentType != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", *p.ContentType)
	}
	if p.IPAddress != "" && p.IPAddress != "unknown" {
		req.Header.Set("X-Forwarded-For", p.IPAddress)
	}
	return req, nil
}

// keptCookies splits a Cookie header and leaves out DropCookies.
func (r *Relay) keptCookies(header string) []string {
	var out []string
	for _, c := range strings.Split(header, ";") {
		c = strings.TrimSpace(c)
		name, _, _ := strings.Cut(c, "=")
		drop := c == ""
		for _, d := range r.cfg.DropCookies {
			drop = drop || name == d
		}
		if !drop {
			out = append(out, c)
		}
	}
	return out
}

func hasCookie(cookies []string, name string) bool {
	for _, c := range cookies {
		if n, _, _ := strings.Cut(c, "="); n == name {
			return true
		}
	}
	return false
}
