package collector

import (
	"net/http"
	"strings"
	"time"
)

// requestCookies are the cookie pairs of a request that survive re-rendering (§4.3).
type requestCookies []string

// parseCookies splits the request's Cookie headers on ";", trims each part and keeps the
// parts made only of cookie-octets (printable ASCII other than `"` `,` `;` `\`).
func parseCookies(h http.Header) requestCookies {
	var kept requestCookies
	for _, line := range h["Cookie"] {
		for part := range strings.SplitSeq(line, ";") {
			part = strings.TrimSpace(part)
			if part != "" && cookieOctets(part) {
				kept = append(kept, part)
			}
		}
	}
	return kept
}

// cookieOctets reports whether every byte of s is allowed in a re-rendered cookie pair.
func cookieOctets(s string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b < 0x21 || b > 0x7e || b == '"' || b == ',' || b == ';' || b == '\\' {
			return false
		}
	}
	return true
}

// header renders the kept pairs as a stored Cookie header; ok is false when none remain.
func (c requestCookies) header() (string, bool) {
	if len(c) == 0 {
		return "", false
	}
	return "Cookie: " + strings.Join(c, ";"), true
}

// get returns the value of the first kept cookie named name.
func (c requestCookies) get(name string) (string, bool) {
	for _, p := range c {
		n, v, _ := strings.Cut(p, "=")
		if n == name {
			return v, true
		}
	}
	return "", false
}

// cookieDomain selects the Domain attribute (§6.1): the first configured domain that some
// origin host equals or is a subdomain of, else the fallback domain, else none.
func cookieDomain(cfg *CookieConfig, origins []origin) string {
	for _, d := range cfg.Domains {
		for _, o := range origins {
			if o.host == d || strings.HasSuffix(o.host, "."+d) {
				return d
			}
		}
	}
	return cfg.FallbackDomain
}

// setCookie renders one Set-Cookie value. value must already be cookie-octets.
func setCookie(cfg *CookieConfig, name, value string, expires time.Time, domain string, httpOnly bool) string {
	var b strings.Builder
	b.Grow(160)
	b.WriteString(name)
	b.WriteByte('=')
	b.WriteString(value)
	b.WriteString("; Expires=")
	b.WriteString(expires.UTC().Format(http.TimeFormat))
	if domain != "" {
		b.WriteString("; Domain=")
		b.WriteString(domain)
	}
	b.WriteString("; Path=/")
	sameSiteNone := false
	switch strings.ToLower(cfg.SameSite) {
	case "none":
		b.WriteString("; SameSite=None")
		sameSiteNone = true
	case "lax":
		b.WriteString("; SameSite=Lax")
	case "strict":
		b.WriteString("; SameSite=Strict")
	}
	if cfg.Secure || sameSiteNone {
		b.WriteString("; Secure")
	}
	if httpOnly {
		b.WriteString("; HttpOnly")
	}
	return b.String()
}

// addSetCookies adds the nuid cookie, and the client cookie when configured. A nuid that
// is not made of cookie-octets (a hand-crafted ?nuid=) cannot be rendered and is not sent.
func addSetCookies(h http.Header, cfg *CookieConfig, nuid string, expires time.Time, domain string) {
	if !cookieOctets(nuid) && nuid != "" {
		return
	}
	h.Add("Set-Cookie", setCookie(cfg, cfg.Name, nuid, expires, domain, cfg.HTTPOnly))
	if cfg.ClientCookieName != "" {
		h.Add("Set-Cookie", setCookie(cfg, cfg.ClientCookieName, nuid, expires, domain, false))
	}
}
