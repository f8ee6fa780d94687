package enrich

import (
	"strings"

	"github.com/plowbox/plowbox/collector"
)

// clientIP derives user_ipaddress from the stored headers and the payload address
// (enriched-event.md §7): the first X-Forwarded-For wins, else the last Forwarded for=,
// else ipAddress; the result is split on [,| ] and its first token kept.
func clientIP(p *collector.Payload) string {
	forwarded := ""
	for _, h := range p.Headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			continue
		}
		name = strings.TrimSpace(name)
		value = strings.TrimSpace(value)
		switch {
		case strings.EqualFold(name, "X-Forwarded-For"):
			first, _, _ := strings.Cut(value, ",")
			return firstIPToken(stripAddr(strings.TrimSpace(first)))
		case strings.EqualFold(name, "Forwarded"):
			if ip := forwardedFor(value); ip != "" {
				forwarded = ip
			}
		}
	}
	if forwarded != "" {
		return firstIPToken(forwarded)
	}
	return firstIPToken(p.IPAddress)
}

// forwardedFor returns the address of the first for= parameter of a Forwarded header.
func forwardedFor(v string) string {
	for part := range strings.FieldsFuncSeq(v, func(r rune) bool { return r == ';' || r == ',' }) {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok && strings.EqualFold(k, "for") {
			return stripAddr(val)
		}
	}
	return ""
}

// stripAddr removes quotes and IPv6 brackets (with any port after them) from an address.
func stripAddr(s string) string {
	s = strings.Trim(s, `"`)
	if strings.HasPrefix(s, "[") {
		if i := strings.IndexByte(s, ']'); i > 0 {
			return s[1:i]
		}
	}
	return s
}

// cleanUserAgent removes CR and LF from a User-Agent header and turns tabs into 4 spaces.
func cleanUserAgent(s string) string {
	s = strings.ReplaceAll(s, "\r", "")
	s = strings.ReplaceAll(s, "\n", "")
	return strings.ReplaceAll(s, "\t", "    ")
}
