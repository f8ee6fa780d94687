package collector

import (
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/ianaindex"
)

// Values of the collector payload that never vary.
const (
	payloadEncoding = "UTF-8"
	unknownIP       = "unknown"
	anonymousNUID   = "00000000-0000-0000-0000-000000000000"
)

// hasHeader reports whether the request carries the header at all, even empty.
func hasHeader(h http.Header, name string) bool {
	_, ok := h[http.CanonicalHeaderKey(name)]
	return ok
}

// firstHeader returns the first value of a header, or nil when absent.
func firstHeader(h http.Header, name string) *string {
	v, ok := h[http.CanonicalHeaderKey(name)]
	if !ok || len(v) == 0 {
		return nil
	}
	return &v[0]
}

// clientIP is the payload ipAddress (§4.1): unknown for SP-Anonymous, else the first
// X-Forwarded-For address when that header is present, else the TCP peer.
func clientIP(r *http.Request, anonymous bool) string {
	if anonymous {
		return unknownIP
	}
	if xff, ok := r.Header["X-Forwarded-For"]; ok {
		first := ""
		if len(xff) > 0 {
			first, _, _ = strings.Cut(xff[0], ",")
		}
		return canonicalIP(first)
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return canonicalIP(host)
}

// canonicalIP parses an address (optionally quoted, bracketed or with a port) and renders
// it without brackets or zone-less; anything else is unknown.
func canonicalIP(s string) string {
	s = strings.Trim(strings.TrimSpace(s), `"`)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().String()
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().String()
	}
	return unknownIP
}

// hostname is the Host header without its port (and without IPv6 brackets); nil when empty.
func hostname(r *http.Request) *string {
	if r.Host == "" {
		return nil
	}
	h := r.Host
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	return &h
}

// headerOrder lists the headers rendered right after Host, in the order curl and most
// browsers send them; every other header follows in name order, and Cookie comes last.
var headerOrder = [...]string{"User-Agent", "Accept"}

// storedHeaders renders the request headers (§4.3). net/http keeps the order of values
// within one name but loses the order between names, so the list is Host first, then
// User-Agent and Accept, then the remaining names sorted, then Cookie (re-rendered), then
// the content-type quirk. Names are in canonical form; enrichment matches them
// case-insensitively.
func storedHeaders(r *http.Request, anonymous bool, cookies requestCookies, contentType *string) []string {
	out := make([]string, 0, len(r.Header)+3)
	if r.Host != "" {
		out = append(out, "Host: "+r.Host)
	}
	add := func(name string) {
		for _, v := range r.Header[name] {
			out = append(out, name+": "+v)
		}
	}
	for _, name := range headerOrder {
		add(name)
	}
	names := make([]string, 0, len(r.Header))
	for name := range r.Header {
		switch name {
		case "User-Agent", "Accept", "Cookie", "Host":
			continue
		case "X-Forwarded-For", "X-Real-Ip":
			if anonymous {
				continue
			}
		}
		names = append(names, name)
	}
	if len(r.TransferEncoding) > 0 && !hasHeader(r.Header, "Transfer-Encoding") {
		names = append(names, "Transfer-Encoding")
	}
	slices.Sort(names)
	for _, name := range names {
		if name == "Transfer-Encoding" && len(r.Header[name]) == 0 {
			out = append(out, name+": "+strings.Join(r.TransferEncoding, ", "))
			continue
		}
		add(name)
	}
	if !anonymous {
		if c, ok := cookies.header(); ok {
			out = append(out, c)
		}
	}
	if contentType != nil {
		out = append(out, *contentType)
	}
	return out
}

// postContentType is the lowercased Content-Type of a POST; nil when absent or empty.
func postContentType(r *http.Request) *string {
	v := r.Header.Get("Content-Type")
	if v == "" {
		return nil
	}
	v = strings.ToLower(v)
	return &v
}

// decodeBody decodes a request body with the charset of its content type (default
// UTF-8). Invalid UTF-8 bytes become U+FFFD; an unknown charset is read as UTF-8.
func decodeBody(b []byte, contentType *string) string {
	if contentType != nil {
		if _, params, err := mime.ParseMediaType(*contentType); err == nil {
			if cs := params["charset"]; cs != "" && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
				if enc, err := ianaindex.IANA.Encoding(cs); err == nil && enc != nil {
					if s, err := enc.NewDecoder().Bytes(b); err == nil {
						return toValidUTF8(s)
					}
				}
			}
		}
	}
	return toValidUTF8(b)
}

// toValidUTF8 converts b to a string, replacing each invalid byte with U+FFFD.
func toValidUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) + 16)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		sb.WriteRune(r) // RuneError for an invalid byte
		b = b[n:]
	}
	return sb.String()
}

// twoSegments splits an escaped path of exactly two non-empty segments.
func twoSegments(path string) (vendor, version string, ok bool) {
	rest, found := strings.CutPrefix(path, "/")
	if !found {
		return "", "", false
	}
	vendor, version, found = strings.Cut(rest, "/")
	if !found || vendor == "" || version == "" || strings.Contains(version, "/") {
		return "", "", false
	}
	return vendor, version, true
}

// lastQueryValue returns the last value of a query parameter in a raw query string.
func lastQueryValue(rawQuery, name string) (string, bool) {
	var val string
	found := false
	for part := range strings.SplitSeq(rawQuery, "&") {
		k, v, _ := strings.Cut(part, "=")
		if qUnescape(k) == name {
			val, found = qUnescape(v), true
		}
	}
	return val, found
}

// firstQueryValue returns the first value of a query parameter in a raw query string.
func firstQueryValue(rawQuery, name string) (string, bool) {
	for part := range strings.SplitSeq(rawQuery, "&") {
		k, v, _ := strings.Cut(part, "=")
		if qUnescape(k) == name {
			return qUnescape(v), true
		}
	}
	return "", false
}

// qUnescape decodes a query component, keeping it raw when it is not valid escaping.
func qUnescape(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}
