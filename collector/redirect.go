package collector

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// redirectTarget returns the click-redirect target: the first u parameter, when it parses
// as a URI and its host is allowed by redirectDomains (collector.md §8).
func (c *Collector) redirectTarget(rawQuery string) (string, bool) {
	u, ok := firstQueryValue(rawQuery, "u")
	if !ok || u == "" || strings.ContainsFunc(u, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return "", false
	}
	parsed, err := url.Parse(u)
	if err != nil {
		return "", false
	}
	if len(c.cfg.RedirectDomains) > 0 && !slices.Contains(c.cfg.RedirectDomains, parsed.Hostname()) {
		return "", false
	}
	return u, true
}

// bounceLocation is the request URI with <cookieBounce.name>=true appended (§4.6). The
// scheme is https for TLS requests, overridden by the forwarded-protocol header when it
// says http or https.
func (c *Collector) bounceLocation(r *http.Request) string {
	cb := &c.cfg.CookieBounce
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if cb.ForwardedProtocolHeader != "" {
		switch v := strings.ToLower(strings.TrimSpace(r.Header.Get(cb.ForwardedProtocolHeader))); v {
		case "http", "https":
			scheme = v
		}
	}
	q := r.URL.RawQuery
	if q != "" {
		q += "&"
	}
	q += url.QueryEscape(cb.Name) + "=true"
	return scheme + "://" + r.Host + r.URL.EscapedPath() + "?" + q
}
