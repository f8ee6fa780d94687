package collector

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plowbox/plowbox/internal/testkit"
)

const tp2 = "/com.snowplowanalytics.snowplow/tp2"

// scenarios covers collector.md §2–§8 and §10–§12, one request each.
var scenarios = []scenario{
	// §2 route table.
	{name: "preflight on /i", method: "OPTIONS", target: "/i", status: 200,
		header: with(cors("*"), "Access-Control-Allow-Headers", "Content-Type, SP-Anonymous", "Access-Control-Max-Age", "3600")},
	{name: "preflight on any path echoes origin", method: "OPTIONS", target: "/some/deep/path?x=1",
		headers: [][2]string{{"Origin", "https://app.acme.com"}}, status: 200,
		header: with(cors("https://app.acme.com"), "Access-Control-Allow-Headers", "Content-Type, SP-Anonymous", "Access-Control-Max-Age", "3600")},
	{name: "preflight max age configured", method: "OPTIONS", target: "/com.acme/v1",
		cfg: func(c *Config) { c.CORS.AccessControlMaxAge = 10 * time.Second }, status: 200,
		header: with(cors("*"), "Access-Control-Allow-Headers", "Content-Type, SP-Anonymous", "Access-Control-Max-Age", "10")},
	{name: "GET /i pixel", target: "/i?e=pp&p=web&tv=lol", status: 200,
		header: pixelHeaders(spCookie), resBody: string(pixel[:]),
		stored: `{"schema":"iglu:com.snowplowanalytics.snowplow/CollectorPayload/thrift/1-0-0","ipAddress":"192.0.2.1",
			"timestamp":"2026-04-02T10:15:29.87Z","encoding":"UTF-8","collector":"plowbox-1.0.0","userAgent":null,
			"refererUri":null,"path":"/i","querystring":"e=pp&p=web&tv=lol","body":null,"headers":["Host: example.com"],
			"contentType":null,"hostname":"example.com","networkUserId":"` + testNUID + `"}`},
	{name: "GET /ice.png pixel", target: "/ice.png?e=pv", status: 200,
		header: pixelHeaders(spCookie), resBody: string(pixel[:]),
		stored: `{"path":"/ice.png","querystring":"e=pv"}`},
	{name: "GET /i without query", target: "/i", status: 200,
		header: pixelHeaders(spCookie), resBody: string(pixel[:]),
		stored: `{"path":"/i","querystring":""}`},
	{name: "POST /i is not routed", method: "POST", target: "/i", body: "e=pv",
		status: 404, header: textHeaders("Not found"), resBody: "Not found"},
	{name: "POST /ice.png is not routed", method: "POST", target: "/ice.png",
		status: 404, header: textHeaders("Not found"), resBody: "Not found"},
	{name: "GET vendor/version ignores the body", target: "/com.acme/v1?a=b", body: "ignored",
		status: 200, header: pixelHeaders(spCookie), resBody: string(pixel[:]),
		stored: `{"path":"/com.acme/v1","querystring":"a=b","body":null,"contentType":null}`},
	{name: "POST tp2 with content-type quirk", method: "POST", target: tp2, body: `{"schema":"s","data":[]}`,
		headers: [][2]string{{"Content-Type", "Application/JSON; charset=UTF-8"}, {"User-Agent", "ua/1"}},
		status:  200, header: okHeaders(spCookie), resBody: "ok",
		stored: `{"path":"/com.snowplowanalytics.snowplow/tp2","querystring":"","body":"{\"schema\":\"s\",\"data\":[]}",
			"contentType":"application/json; charset=utf-8","userAgent":"ua/1",
			"headers":["Host: example.com","User-Agent: ua/1","Content-Length: 24","Content-Type: Application/JSON; charset=UTF-8","application/json; charset=utf-8"]}`},
	{name: "POST empty body without content type", method: "POST", target: tp2 + "?e=pv",
		status: 200, header: okHeaders(spCookie), resBody: "ok",
		stored: `{"body":"","contentType":null,"querystring":"e=pv","headers":["Host: example.com"]}`},
	{name: "trailing slash is not two segments", target: "/com.acme/v1/", status: 404, header: textHeaders("Not found"), resBody: "Not found"},
	{name: "three segments", target: "/a/b/c", status: 404, header: textHeaders("Not found"), resBody: "Not found"},
	{name: "empty segment", target: "//v1", status: 404, header: textHeaders("Not found"), resBody: "Not found"},
	{name: "PUT vendor/version", method: "PUT", target: "/com.acme/v1", status: 404, header: textHeaders("Not found"), resBody: "Not found"},
	{name: "unknown one-segment path", target: "/favicon.ico", status: 404, header: textHeaders("Not found"), resBody: "Not found"},
	{name: "redirects disabled", target: "/r/tp2?u=https://x.org", status: 404,
		header: textHeaders("redirects disabled"), resBody: "redirects disabled"},
	{name: "redirects disabled any method and depth", method: "POST", target: "/r/a/b", body: "x", status: 404,
		header: textHeaders("redirects disabled"), resBody: "redirects disabled"},
	{name: "root response default", target: "/", status: 302, header: hdr("Location", "/micro/ui/")},
	{name: "root response configured", target: "/",
		cfg: func(c *Config) {
			c.RootResponse = RootResponseConfig{Enabled: true, StatusCode: 200, Headers: map[string]string{"Content-Type": "text/html"}, Body: "<p>hi</p>"}
		},
		status: 200, header: hdr("Content-Type", "text/html"), resBody: "<p>hi</p>"},
	{name: "root response disabled", target: "/", cfg: func(c *Config) { c.RootResponse.Enabled = false },
		status: 404, header: textHeaders("Not found"), resBody: "Not found"},
	{name: "POST root", method: "POST", target: "/", status: 404, header: textHeaders("Not found"), resBody: "Not found"},
	{name: "crossdomain disabled", target: "/crossdomain.xml", status: 404, header: textHeaders("Not found"), resBody: "Not found"},
	{name: "crossdomain enabled", target: "/crossdomain.xml", cfg: func(c *Config) { c.CrossDomain.Enabled = true },
		status: 200, header: hdr("Content-Type", "text/xml; charset=UTF-8"),
		resBody: "<?xml version=\"1.0\"?>\n<cross-domain-policy>\n<allow-access-from domain=\"*\" secure=\"true\" />\n</cross-domain-policy>"},
	{name: "crossdomain two domains insecure", target: "/crossdomain.xml",
		cfg: func(c *Config) {
			c.CrossDomain = CrossDomainConfig{Enabled: true, Domains: []string{"a.com", "*.b.com"}}
		},
		status: 200, header: hdr("Content-Type", "text/xml; charset=UTF-8"),
		resBody: "<?xml version=\"1.0\"?>\n<cross-domain-policy>\n<allow-access-from domain=\"a.com\" secure=\"false\" />\n<allow-access-from domain=\"*.b.com\" secure=\"false\" />\n</cross-domain-policy>"},
	{name: "robots.txt", target: "/robots.txt", status: 200, header: textHeaders(robotsTxt),
		resBody: "User-agent: *\nDisallow: /\n\nUser-agent: Googlebot\nDisallow: /\n\nUser-agent: AdsBot-Google\nDisallow: /"},
	{name: "health", target: "/health", status: 200, header: textHeaders("ok"), resBody: "ok"},
	{name: "sink health ok", target: "/sink-health", status: 200, header: textHeaders("ok"), resBody: "ok"},
	{name: "sink health failing", target: "/sink-health", unwell: errBoom, status: 503,
		header: textHeaders("Service Unavailable"), resBody: "Service Unavailable"},

	// §3 aliases.
	{name: "alias to tp2", method: "POST", target: "/acme/track", body: "{}",
		cfg:    func(c *Config) { c.Paths = map[string]string{"/acme/track": PathTP2} },
		status: 200, header: okHeaders(spCookie), resBody: "ok",
		stored: `{"path":"/com.snowplowanalytics.snowplow/tp2"}`},
	{name: "alias to redirect works with redirects disabled", target: "/acme/redirect?u=https%3A%2F%2Facme.com%2Fthere",
		cfg:    func(c *Config) { c.Paths = map[string]string{"/acme/redirect": PathRedirect} },
		status: 302, header: with(cors("*"), "Set-Cookie", spCookie, "Cache-Control", "no-cache, no-store, must-revalidate", "Location", "https://acme.com/there"),
		stored: `{"path":"/r/tp2","querystring":"u=https%3A%2F%2Facme.com%2Fthere"}`},
	{name: "unaliased path kept", target: "/acme/other?e=pv",
		cfg:    func(c *Config) { c.Paths = map[string]string{"/acme/track": PathTP2} },
		status: 200, header: pixelHeaders(spCookie), resBody: string(pixel[:]), stored: `{"path":"/acme/other"}`},

	// §8 click redirect.
	{name: "redirect valid", target: "/r/tp2?e=se&u=https%3A%2F%2Fexample.org%2Fx%3Fa%3Db",
		cfg:    func(c *Config) { c.EnableDefaultRedirect = true },
		status: 302, header: with(cors("*"), "Set-Cookie", spCookie, "Cache-Control", "no-cache, no-store, must-revalidate", "Location", "https://example.org/x?a=b"),
		stored: `{"path":"/r/tp2","querystring":"e=se&u=https%3A%2F%2Fexample.org%2Fx%3Fa%3Db"}`},
	{name: "redirect POST", method: "POST", target: "/r/tp2?u=https://example.org/", body: "x",
		cfg:    func(c *Config) { c.EnableDefaultRedirect = true },
		status: 302, header: with(cors("*"), "Set-Cookie", spCookie, "Location", "https://example.org/"),
		stored: `{"path":"/r/tp2","body":"x"}`},
	{name: "redirect missing u is 400 but stored", target: "/r/tp2?e=pv",
		cfg:    func(c *Config) { c.EnableDefaultRedirect = true },
		status: 400, header: with(cors("*"), "Set-Cookie", spCookie, "Cache-Control", "no-cache, no-store, must-revalidate"),
		stored: `{"path":"/r/tp2"}`},
	{name: "redirect invalid u", target: "/r/tp2?u=http%3A%2F%2Fa%20b.com",
		cfg:    func(c *Config) { c.EnableDefaultRedirect = true },
		status: 400, header: with(cors("*"), "Set-Cookie", spCookie, "Cache-Control", "no-cache, no-store, must-revalidate"),
		stored: `{"path":"/r/tp2"}`},
	{name: "redirect disallowed domain", target: "/r/tp2?u=https://evil.com/",
		cfg:    func(c *Config) { c.EnableDefaultRedirect = true; c.RedirectDomains = []string{"example.org"} },
		status: 400, header: with(cors("*"), "Set-Cookie", spCookie, "Cache-Control", "no-cache, no-store, must-revalidate"),
		stored: `{"path":"/r/tp2"}`},
	{name: "redirect allowed domain needs exact host", target: "/r/tp2?u=https://www.example.org/",
		cfg:    func(c *Config) { c.EnableDefaultRedirect = true; c.RedirectDomains = []string{"example.org"} },
		status: 400, header: with(cors("*"), "Set-Cookie", spCookie, "Cache-Control", "no-cache, no-store, must-revalidate"),
		stored: `{"path":"/r/tp2"}`},
	{name: "redirect allowed domain", target: "/r/tp2?u=https://example.org:8443/p",
		cfg:    func(c *Config) { c.EnableDefaultRedirect = true; c.RedirectDomains = []string{"example.org"} },
		status: 302, header: with(cors("*"), "Set-Cookie", spCookie, "Cache-Control", "no-cache, no-store, must-revalidate", "Location", "https://example.org:8443/p"),
		stored: `{"path":"/r/tp2"}`},

	// §5 CORS.
	{name: "origin echoed, first of several", target: "/i", headers: [][2]string{{"Origin", "http://www.acme.com:8080 https://b.com"}},
		status: 200, header: with(without(pixelHeaders(spCookie), "Access-Control-Allow-Origin"), "Access-Control-Allow-Origin", "http://www.acme.com:8080"), resBody: string(pixel[:]),
		stored: `{"path":"/i"}`},
	{name: "origin null", target: "/i", headers: [][2]string{{"Origin", "null"}},
		status: 200, header: pixelHeaders(spCookie), resBody: string(pixel[:]), stored: `{"path":"/i"}`},
	{name: "origin unparseable", target: "/i", headers: [][2]string{{"Origin", "not an origin/"}},
		status: 200, header: pixelHeaders(spCookie), resBody: string(pixel[:]), stored: `{"path":"/i"}`},

	// §6 cookie.
	{name: "cookie disabled", target: "/i", cfg: func(c *Config) { c.Cookie.Enabled = false },
		status: 200, header: pixelHeaders(), resBody: string(pixel[:]), stored: `{"networkUserId":"` + testNUID + `"}`},
	{name: "cookie domain from origin", target: "/i",
		cfg: func(c *Config) {
			c.Cookie.Domains = []string{"other.com", "acme.com"}
			c.Cookie.FallbackDomain = "fb.com"
		},
		headers: [][2]string{{"Origin", "https://www.acme.com"}},
		status:  200, resBody: string(pixel[:]), stored: `{"path":"/i"}`,
		header: with(without(pixelHeaders(), "Access-Control-Allow-Origin"), "Access-Control-Allow-Origin", "https://www.acme.com",
			"Set-Cookie", "sp="+testNUID+"; Expires="+testExpires+"; Domain=acme.com; Path=/; SameSite=None; Secure; HttpOnly")},
	{name: "cookie domain exact origin host", target: "/i",
		cfg:     func(c *Config) { c.Cookie.Domains = []string{"acme.com"} },
		headers: [][2]string{{"Origin", "http://acme.com"}},
		status:  200, resBody: string(pixel[:]), stored: `{"path":"/i"}`,
		header: with(without(pixelHeaders(), "Access-Control-Allow-Origin"), "Access-Control-Allow-Origin", "http://acme.com",
			"Set-Cookie", "sp="+testNUID+"; Expires="+testExpires+"; Domain=acme.com; Path=/; SameSite=None; Secure; HttpOnly")},
	{name: "cookie domain suffix is not a subdomain, fallback used", target: "/i",
		cfg:     func(c *Config) { c.Cookie.Domains = []string{"acme.com"}; c.Cookie.FallbackDomain = "fb.com" },
		headers: [][2]string{{"Origin", "https://notacme.com"}},
		status:  200, resBody: string(pixel[:]), stored: `{"path":"/i"}`,
		header: with(without(pixelHeaders(), "Access-Control-Allow-Origin"), "Access-Control-Allow-Origin", "https://notacme.com",
			"Set-Cookie", "sp="+testNUID+"; Expires="+testExpires+"; Domain=fb.com; Path=/; SameSite=None; Secure; HttpOnly")},
	{name: "cookie no domain without match or fallback", target: "/i",
		cfg:     func(c *Config) { c.Cookie.Domains = []string{"acme.com"} },
		headers: [][2]string{{"Origin", "https://other.org"}},
		status:  200, resBody: string(pixel[:]), stored: `{"path":"/i"}`,
		header: with(without(pixelHeaders(spCookie), "Access-Control-Allow-Origin"), "Access-Control-Allow-Origin", "https://other.org")},
	{name: "cookie lax not secure not httponly", target: "/i",
		cfg:    func(c *Config) { c.Cookie.SameSite = "Lax"; c.Cookie.Secure = false; c.Cookie.HTTPOnly = false },
		status: 200, resBody: string(pixel[:]), stored: `{"path":"/i"}`,
		header: pixelHeaders("sp=" + testNUID + "; Expires=" + testExpires + "; Path=/; SameSite=Lax")},
	{name: "cookie samesite none forces secure", target: "/i",
		cfg:    func(c *Config) { c.Cookie.Secure = false; c.Cookie.HTTPOnly = false },
		status: 200, resBody: string(pixel[:]), stored: `{"path":"/i"}`,
		header: pixelHeaders("sp=" + testNUID + "; Expires=" + testExpires + "; Path=/; SameSite=None; Secure")},
	{name: "cookie samesite unset", target: "/i",
		cfg:    func(c *Config) { c.Cookie.SameSite = ""; c.Cookie.Name = "nuid"; c.Cookie.Expiration = time.Hour },
		status: 200, resBody: string(pixel[:]), stored: `{"path":"/i"}`,
		header: pixelHeaders("nuid=" + testNUID + "; Expires=Thu, 02 Apr 2026 11:15:29 GMT; Path=/; Secure; HttpOnly")},
	{name: "client cookie", target: "/i", cfg: func(c *Config) { c.Cookie.ClientCookieName = "spc" },
		status: 200, resBody: string(pixel[:]), stored: `{"path":"/i"}`,
		header: pixelHeaders(spCookie, "spc="+testNUID+"; Expires="+testExpires+"; Path=/; SameSite=None; Secure")},
	{name: "SP-Anonymous without sp cookie", method: "POST", target: tp2, body: "{}",
		headers: [][2]string{{"SP-Anonymous", "*"}, {"X-Forwarded-For", "192.0.2.4"}, {"X-Real-Ip", "192.0.2.5"}, {"Cookie", "other=1"}, {"Content-Type", "application/json"}},
		status:  200, header: okHeaders(), resBody: "ok",
		stored: `{"ipAddress":"unknown","networkUserId":"00000000-0000-0000-0000-000000000000",
			"headers":["Host: example.com","Content-Length: 2","Content-Type: application/json","Sp-Anonymous: *","application/json"]}`},
	{name: "SP-Anonymous empty value with sp cookie deletes it", target: "/i",
		cfg:     func(c *Config) { c.Cookie.ClientCookieName = "spc" },
		headers: [][2]string{{"SP-Anonymous", ""}, {"Cookie", "sp=11111111-1111-4111-8111-111111111111"}},
		status:  200, resBody: string(pixel[:]),
		header: pixelHeaders("sp=; Expires="+testExpired+"; Path=/; SameSite=None; Secure; HttpOnly",
			"spc=; Expires="+testExpired+"; Path=/; SameSite=None; Secure"),
		stored: `{"ipAddress":"unknown","networkUserId":"00000000-0000-0000-0000-000000000000","headers":["Host: example.com","Sp-Anonymous: "]}`},

	// §4.2 nuid.
	{name: "nuid parameter rewrites the cookie", target: "/i?e=pv&nuid=abc",
		status: 200, resBody: string(pixel[:]), stored: `{"networkUserId":"abc"}`,
		header: pixelHeaders("sp=abc; Expires=" + testExpires + "; Path=/; SameSite=None; Secure; HttpOnly")},
	{name: "nuid parameter repeated takes the last", target: "/i?nuid=a&nuid=b%2Dc",
		headers: [][2]string{{"Cookie", "sp=fromcookie"}},
		status:  200, resBody: string(pixel[:]), stored: `{"networkUserId":"b-c"}`,
		header: pixelHeaders("sp=b-c; Expires=" + testExpires + "; Path=/; SameSite=None; Secure; HttpOnly")},
	{name: "nuid from cookie", target: "/i", headers: [][2]string{{"Cookie", "a=1; sp=22222222-2222-4222-8222-222222222222"}},
		status: 200, resBody: string(pixel[:]),
		stored: `{"networkUserId":"22222222-2222-4222-8222-222222222222","headers":["Host: example.com","Cookie: a=1;sp=22222222-2222-4222-8222-222222222222"]}`,
		header: pixelHeaders("sp=22222222-2222-4222-8222-222222222222; Expires=" + testExpires + "; Path=/; SameSite=None; Secure; HttpOnly")},
	{name: "nuid not cookie-safe is stored but not sent", target: "/i?nuid=a%3Bb",
		status: 200, resBody: string(pixel[:]), stored: `{"networkUserId":"a;b"}`, header: pixelHeaders()},

	// §4.3 stored headers.
	{name: "cookie re-rendering drops invalid pairs", target: "/i",
		headers: [][2]string{{"Cookie", `a=b;  c="d" ; e=f g;h=i\j; k=l,m;;n=`}, {"Cookie", "o=p"}},
		status:  200, header: pixelHeaders(spCookie), resBody: string(pixel[:]),
		stored: `{"headers":["Host: example.com","Cookie: a=b;n=;o=p"]}`},
	{name: "cookie header omitted when nothing remains", target: "/i", headers: [][2]string{{"Cookie", `x="y"; z=a b`}},
		status: 200, header: pixelHeaders(spCookie), resBody: string(pixel[:]),
		stored: `{"headers":["Host: example.com"]}`},
	{name: "header order", target: "/i",
		headers: [][2]string{{"Host", "127.0.0.1:8080"}, {"X-B", "2"}, {"Cookie", "c=1"}, {"Accept", "*/*"}, {"X-A", "1"}, {"X-A", "0"}, {"User-Agent", "curl/8.5.0"}, {"Referer", "http://r.com/"}},
		status:  200, header: pixelHeaders(spCookie), resBody: string(pixel[:]),
		stored: `{"hostname":"127.0.0.1","userAgent":"curl/8.5.0","refererUri":"http://r.com/",
			"headers":["Host: 127.0.0.1:8080","User-Agent: curl/8.5.0","Accept: */*","Referer: http://r.com/","X-A: 1","X-A: 0","X-B: 2","Cookie: c=1"]}`},
	{name: "chunked POST records transfer encoding", method: "POST", target: tp2, body: "abc", chunked: true,
		status: 200, header: okHeaders(spCookie), resBody: "ok",
		stored: `{"body":"abc","headers":["Host: example.com","Transfer-Encoding: chunked"]}`},

	// §4.1 IP and hostname.
	{name: "x-forwarded-for beats peer", target: "/i", headers: [][2]string{{"X-Forwarded-For", "192.0.2.4, 10.0.0.1"}},
		status: 200, header: pixelHeaders(spCookie), resBody: string(pixel[:]), stored: `{"ipAddress":"192.0.2.4"}`},
	{name: "x-forwarded-for ipv6 bracketed", target: "/i", headers: [][2]string{{"X-Forwarded-For", "[2001:db8::7]"}},
		status: 200, header: pixelHeaders(spCookie), resBody: string(pixel[:]), stored: `{"ipAddress":"2001:db8::7"}`},
	{name: "x-forwarded-for invalid", target: "/i", headers: [][2]string{{"X-Forwarded-For", "bogus"}},
		status: 200, header: pixelHeaders(spCookie), resBody: string(pixel[:]), stored: `{"ipAddress":"unknown"}`},
	{name: "ipv6 peer", target: "/i", remote: "[::1]:5555",
		status: 200, header: pixelHeaders(spCookie), resBody: string(pixel[:]), stored: `{"ipAddress":"::1"}`},
	{name: "no host", target: "/i", headers: [][2]string{{"Host", ""}},
		status: 200, header: pixelHeaders(spCookie), resBody: string(pixel[:]), stored: `{"hostname":null,"headers":[]}`},

	// §4.1 body decoding.
	{name: "latin-1 body", method: "POST", target: tp2, body: "caf\xe9",
		headers: [][2]string{{"Content-Type", "text/plain; charset=ISO-8859-1"}},
		status:  200, header: okHeaders(spCookie), resBody: "ok",
		stored: `{"body":"café","contentType":"text/plain; charset=iso-8859-1"}`},
	{name: "invalid utf-8 replaced", method: "POST", target: tp2, body: "a\xffb\xc3",
		headers: [][2]string{{"Content-Type", "application/json"}},
		status:  200, header: okHeaders(spCookie), resBody: "ok",
		stored: `{"body":"a\ufffdb\ufffd"}`},

	// §4.5 do not track.
	{name: "do-not-track cookie matched", target: "/i?e=pv",
		cfg:     func(c *Config) { c.DoNotTrackCookie = DoNotTrackCookieConfig{Enabled: true, Name: "dnt", Value: "y.s"} },
		headers: [][2]string{{"Cookie", "dnt=yes"}},
		status:  200, header: pixelHeaders(), resBody: string(pixel[:])},
	{name: "do-not-track POST matched", method: "POST", target: tp2, body: "{}",
		cfg:     func(c *Config) { c.DoNotTrackCookie = DoNotTrackCookieConfig{Enabled: true, Name: "dnt", Value: "1"} },
		headers: [][2]string{{"Cookie", "dnt=1"}},
		status:  200, header: okHeaders(), resBody: "ok"},
	{name: "do-not-track needs a full match", target: "/i",
		cfg:     func(c *Config) { c.DoNotTrackCookie = DoNotTrackCookieConfig{Enabled: true, Name: "dnt", Value: "y.s"} },
		headers: [][2]string{{"Cookie", "dnt=yess"}},
		status:  200, header: pixelHeaders(spCookie), resBody: string(pixel[:]), stored: `{"path":"/i"}`},

	// §4.6 cookie bounce.
	{name: "bounce", target: "/i?e=pv",
		cfg:    func(c *Config) { c.CookieBounce.Enabled = true },
		status: 302, header: with(cors("*"), "Set-Cookie", spCookie, "Cache-Control", "no-cache, no-store, must-revalidate", "Location", "http://example.com/i?e=pv&n3pc=true")},
	{name: "bounce forwarded proto", target: "/com.acme/v1",
		cfg: func(c *Config) {
			c.CookieBounce.Enabled = true
			c.CookieBounce.ForwardedProtocolHeader = "X-Forwarded-Proto"
		},
		headers: [][2]string{{"X-Forwarded-Proto", "https"}},
		status:  302, header: with(cors("*"), "Set-Cookie", spCookie, "Cache-Control", "no-cache, no-store, must-revalidate", "Location", "https://example.com/com.acme/v1?n3pc=true")},
	{name: "bounced request without cookie uses fallback", target: "/i?e=pv&n3pc=true",
		cfg:    func(c *Config) { c.CookieBounce.Enabled = true },
		status: 200, resBody: string(pixel[:]), stored: `{"networkUserId":"00000000-0000-4000-A000-000000000000"}`,
		header: pixelHeaders("sp=00000000-0000-4000-A000-000000000000; Expires=" + testExpires + "; Path=/; SameSite=None; Secure; HttpOnly")},
	{name: "bounce skipped with cookie", target: "/i", headers: [][2]string{{"Cookie", "sp=" + testNUID}},
		cfg:    func(c *Config) { c.CookieBounce.Enabled = true },
		status: 200, header: pixelHeaders(spCookie), resBody: string(pixel[:]), stored: `{"networkUserId":"` + testNUID + `"}`},
	{name: "bounce skipped for POST", method: "POST", target: tp2, body: "{}",
		cfg:    func(c *Config) { c.CookieBounce.Enabled = true },
		status: 200, header: okHeaders(spCookie), resBody: "ok", stored: `{"networkUserId":"` + testNUID + `"}`},

	// §11 drop size, sink failure, HSTS.
	{name: "body over dropPayloadSize", method: "POST", target: tp2, body: "0123456789x",
		cfg:    func(c *Config) { c.DropPayloadSize = 10 },
		status: 413, header: textHeaders("Payload Too Large"), resBody: "Payload Too Large"},
	{name: "chunked body over dropPayloadSize", method: "POST", target: tp2, body: "0123456789x", chunked: true,
		cfg:    func(c *Config) { c.DropPayloadSize = 10 },
		status: 413, header: textHeaders("Payload Too Large"), resBody: "Payload Too Large"},
	{name: "GET body over dropPayloadSize", target: "/com.acme/v1", body: "0123456789x",
		cfg:    func(c *Config) { c.DropPayloadSize = 10 },
		status: 413, header: textHeaders("Payload Too Large"), resBody: "Payload Too Large"},
	{name: "body at dropPayloadSize", method: "POST", target: tp2, body: "0123456789",
		cfg:    func(c *Config) { c.DropPayloadSize = 10 },
		status: 200, header: okHeaders(spCookie), resBody: "ok", stored: `{"body":"0123456789"}`},
	{name: "sink failure", target: "/i", sinkErr: errBoom,
		status: 503, header: with(textHeaders("event store unavailable, try again"), "Access-Control-Allow-Origin", "*", "Access-Control-Allow-Credentials", "true"),
		resBody: "event store unavailable, try again"},
	{name: "hsts on tracking", target: "/i", cfg: func(c *Config) { c.HSTS = HSTSConfig{Enable: true, MaxAge: 365 * 24 * time.Hour} },
		status: 200, header: with(pixelHeaders(spCookie), "Strict-Transport-Security", "max-age=31536000"), resBody: string(pixel[:]),
		stored: `{"path":"/i"}`},
	{name: "hsts on health", target: "/health", cfg: func(c *Config) { c.HSTS = HSTSConfig{Enable: true, MaxAge: time.Minute} },
		status: 200, header: with(textHeaders("ok"), "Strict-Transport-Security", "max-age=60"), resBody: "ok"},
}

func TestScenarios(t *testing.T) {
	var stored bytes.Buffer
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			p := sc.run(t)
			if p == nil {
				return
			}
			stored.WriteString("# " + sc.name + "\n")
			enc := json.NewEncoder(&stored)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(p); err != nil {
				t.Fatal(err)
			}
		})
	}
	if !t.Failed() {
		testkit.Golden(t, "scenarios.golden", stored.Bytes())
	}
}

// TestHeadOverHTTP checks, through a real connection, that HEAD gets the pixel's headers
// and no body, and that the event is stored before the response arrives.
func TestHeadOverHTTP(t *testing.T) {
	sink := &recordingSink{}
	srv := httptest.NewServer(New(testConfig(), sink, nil))
	defer srv.Close()
	for _, method := range []string{http.MethodHead, http.MethodGet} {
		req, err := http.NewRequest(method, srv.URL+"/i?e=pv", nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		wantBody := string(pixel[:])
		if method == http.MethodHead {
			wantBody = ""
		}
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/gif" || res.Header.Get("Content-Length") != "43" || string(body) != wantBody {
			t.Errorf("%s: status %d, headers %v, body %q", method, res.StatusCode, res.Header, body)
		}
		sink.mu.Lock()
		n := len(sink.payloads)
		sink.mu.Unlock()
		if want := map[string]int{http.MethodHead: 1, http.MethodGet: 2}[method]; n != want {
			t.Errorf("%s: %d payloads stored when the response arrived, want %d", method, n, want)
		}
	}
	if got := sink.payloads[0]; got.IPAddress != "127.0.0.1" || got.Headers[0] != "Host: "+strings.TrimPrefix(srv.URL, "http://") {
		t.Errorf("payload over HTTP: ip %q headers %q", got.IPAddress, got.Headers)
	}
}

// TestPostOverHTTP checks the stored headers of real POSTs, with and without a length.
func TestPostOverHTTP(t *testing.T) {
	sink := &recordingSink{}
	srv := httptest.NewServer(New(testConfig(), sink, nil))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	tests := []struct {
		name string
		body io.Reader
		want []string
	}{
		{"sized", strings.NewReader("{}"), []string{"Host: " + host, "User-Agent: Go-http-client/1.1",
			"Accept-Encoding: gzip", "Content-Length: 2", "Content-Type: application/json", "application/json"}},
		{"chunked", io.MultiReader(strings.NewReader("{}")), []string{"Host: " + host, "User-Agent: Go-http-client/1.1",
			"Accept-Encoding: gzip", "Content-Type: application/json", "Transfer-Encoding: chunked", "application/json"}},
	}
	for i, tt := range tests {
		res, err := srv.Client().Post(srv.URL+tp2, "application/json", tt.body)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 || len(sink.payloads) != i+1 {
			t.Fatalf("%s: status %d, %d payloads", tt.name, res.StatusCode, len(sink.payloads))
		}
		if got := sink.payloads[i].Headers; !slices.Equal(got, tt.want) {
			t.Errorf("%s: headers\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

func TestPixelBytes(t *testing.T) {
	const hexPixel = "47494638396101000100f00000ffffff00000021f90405000000002c00000000010001000002024401003b"
	if got := bytesHex(pixel[:]); got != hexPixel {
		t.Errorf("pixel = %s", got)
	}
}

func bytesHex(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func TestStats(t *testing.T) {
	sink := &recordingSink{}
	cfg := testConfig()
	cfg.DropPayloadSize = 4
	c := New(cfg, sink, nil)
	c.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/i", nil))
	c.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", tp2, strings.NewReader("too long")))
	sink.err = errBoom
	c.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/i", nil))
	if got, want := c.Stats(), (Stats{Stored: 1, Oversized: 1, SinkErrors: 1}); got != want {
		t.Errorf("Stats = %+v, want %+v", got, want)
	}
}

func TestSinkWithoutHealthChecker(t *testing.T) {
	c := New(testConfig(), SinkFunc(func(_ context.Context, _ *Payload) error { return nil }), nil)
	rec := httptest.NewRecorder()
	c.ServeHTTP(rec, httptest.NewRequest("GET", "/sink-health", nil))
	if rec.Code != 200 || rec.Body.String() != "ok" {
		t.Errorf("sink-health = %d %q", rec.Code, rec.Body)
	}
}
