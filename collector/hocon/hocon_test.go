package hocon

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/plowbox/plowbox/collector"
)

// apply parses text and applies it over the collector defaults.
func apply(t *testing.T, text string, overrides ...string) (collector.Config, Server, []string, error) {
	t.Helper()
	cfg := collector.DefaultConfig()
	f, err := Parse("micro.conf", []byte(text), overrides...)
	if err != nil {
		return cfg, Server{}, nil, err
	}
	srv, warnings, err := f.Apply(&cfg)
	return cfg, srv, warnings, err
}

func ptr[T any](v T) *T { return &v }

func TestApply(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		check    func(c *collector.Config) any // the part of the config the case sets
		want     any
		srv      Server
		warnings []string
	}{
		{name: "interface and port, under collector",
			text: `collector { interface = "127.0.0.1", port = 9091 }`,
			srv:  Server{Interface: ptr("127.0.0.1"), Port: ptr(9091)}},
		{name: "keys at the top level, port as a string",
			text: "interface = \"0.0.0.0\"\nport = \"9090\"",
			srv:  Server{Interface: ptr("0.0.0.0"), Port: ptr(9090)}},
		{name: "dotted keys",
			text:  "collector.cookie.name = micro\ncollector.cookie.expiration = \"30 days\"",
			check: func(c *collector.Config) any { return []any{c.Cookie.Name, c.Cookie.Expiration} },
			want:  []any{"micro", 30 * 24 * time.Hour}},
		{name: "cookie",
			text: `collector.cookie { enabled = false, domains = ["acme.com", "b.acme.com"], fallbackDomain = "acme.com",
			       secure = false, httpOnly = false, sameSite = "Lax", clientCookieName = "sp_c" }`,
			check: func(c *collector.Config) any { return c.Cookie },
			want: collector.CookieConfig{Enabled: false, Name: "sp", Expiration: 365 * 24 * time.Hour, Domains: []string{"acme.com", "b.acme.com"},
				FallbackDomain: "acme.com", Secure: false, HTTPOnly: false, SameSite: "Lax", ClientCookieName: "sp_c"}},
		{name: "the old fallback-domain spelling",
			text:  `collector.cookie.fallback-domain = "acme.com"`,
			check: func(c *collector.Config) any { return c.Cookie.FallbackDomain }, want: "acme.com"},
		{name: "do-not-track cookie",
			text:  `collector.doNotTrackCookie { enabled = true, name = "dnt", value = "1|yes" }`,
			check: func(c *collector.Config) any { return c.DoNotTrackCookie },
			want:  collector.DoNotTrackCookieConfig{Enabled: true, Name: "dnt", Value: "1|yes"}},
		{name: "paths",
			text:  `collector.paths { "/com.acme/track" = "/com.snowplowanalytics.snowplow/tp2", "/com.acme/redirect" = "/r/tp2" }`,
			check: func(c *collector.Config) any { return c.Paths },
			want:  map[string]string{"/com.acme/track": "/com.snowplowanalytics.snowplow/tp2", "/com.acme/redirect": "/r/tp2"}},
		{name: "redirects",
			text:  "collector { enableDefaultRedirect = true\n redirectDomains = [acme.com] }",
			check: func(c *collector.Config) any { return []any{c.EnableDefaultRedirect, c.RedirectDomains} },
			want:  []any{true, []string{"acme.com"}}},
		{name: "CORS max age in seconds, HSTS",
			text:  "collector { cors.accessControlMaxAge = 5 seconds\n hsts { enable = true, maxAge = \"365 days\" } }",
			check: func(c *collector.Config) any { return []any{c.CORS.AccessControlMaxAge, c.HSTS} },
			want:  []any{5 * time.Second, collector.HSTSConfig{Enable: true, MaxAge: 365 * 24 * time.Hour}}},
		{name: "root response",
			text:  `collector.rootResponse { enabled = true, statusCode = 302, headers { Location = "https://127.0.0.1/", X-Custom = "something" }, body = "302, redirecting" }`,
			check: func(c *collector.Config) any { return c.RootResponse },
			want:  collector.RootResponseConfig{Enabled: true, StatusCode: 302, Headers: map[string]string{"Location": "https://127.0.0.1/", "X-Custom": "something"}, Body: "302, redirecting"}},
		{name: "cookie bounce and cross domain",
			text: `collector { cookieBounce { enabled = true, name = "bounce", fallbackNetworkUserId = "00000000-0000-4000-A000-000000000001", forwardedProtocolHeader = "X-Forwarded-Proto" }
			       crossDomain { enabled = true, domains = ["*.acme.com"], secure = false } }`,
			check: func(c *collector.Config) any { return []any{c.CookieBounce, c.CrossDomain} },
			want: []any{collector.CookieBounceConfig{Enabled: true, Name: "bounce", FallbackNetworkUserID: "00000000-0000-4000-A000-000000000001", ForwardedProtocolHeader: "X-Forwarded-Proto"},
				collector.CrossDomainConfig{Enabled: true, Domains: []string{"*.acme.com"}, Secure: false}}},
		{name: "size limits of collector 3.x networking",
			text:  `collector.networking { maxPayloadSize = 500000, dropPayloadSize = "4 MiB", idleTimeout = 610 seconds }`,
			check: func(c *collector.Config) any { return c.DropPayloadSize }, want: int64(4 << 20),
			srv: Server{MaxPayloadSize: ptr(int64(500000))}},
		{name: "the sink's maxBytes of collector 2.x",
			text: `collector.streams { good = "good", bad = "bad", sink { enabled = stdout, maxBytes = 1000000 }, buffer { byteLimit = 10 } }`,
			srv:  Server{MaxPayloadSize: ptr(int64(1000000))}},
		{name: "a stream's maxBytes of collector 3.x",
			text: `collector.streams.good { name = "good", maxBytes = 900000 }`,
			srv:  Server{MaxPayloadSize: ptr(int64(900000))}},
		{name: "ssl",
			text: `collector.ssl { enable = true, redirect = true, port = 9443 }`,
			srv:  Server{SSLPort: ptr(9443), SSLRedirect: ptr(true)}},
		{name: "an environment substitution with a default",
			text: "collector { port = 9090\n port = ${?PLOWBOX_HOCON_TEST_PORT} }",
			srv:  Server{Port: ptr(9092)}},
		{name: "an optional substitution of an unset variable leaves the key unset",
			text: "collector { port = ${?PLOWBOX_HOCON_TEST_UNSET} }"},
		{name: "unknown keys and unsupported features are warned about by name",
			text: `collector { cookie { nmae = "x" }, colour = blue, p3p { CP = "NOI" }, redirectMacro.enabled = true, prometheusMetrics.enabled = false }
			       akka.loglevel = DEBUG
			       enrich { foo = 1 }
			       extra = 1`,
			warnings: []string{"collector.colour: unknown key; ignored", "collector.cookie.nmae: unknown key; ignored",
				"collector.p3p: plowbox sends no P3P header; ignored", "collector.redirectMacro: plowbox does not replace a macro in redirect URLs; ignored",
				"enrich: Enrich settings are not read by plowbox; configure enrichments with --enrichments", "extra: unknown key; ignored"}},
	}
	t.Setenv("PLOWBOX_HOCON_TEST_PORT", "9092")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, srv, warnings, err := apply(t, tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if tt.check != nil {
				if got := tt.check(&cfg); !reflect.DeepEqual(got, tt.want) {
					t.Errorf("got %#v\nwant %#v", got, tt.want)
				}
			}
			if !reflect.DeepEqual(srv, tt.srv) {
				t.Errorf("server settings %s, want %s", show(srv), show(tt.srv))
			}
			if strings.Join(warnings, "\n") != strings.Join(tt.warnings, "\n") {
				t.Errorf("warnings\n%s\nwant\n%s", strings.Join(warnings, "\n"), strings.Join(tt.warnings, "\n"))
			}
			if err := cfg.Validate(); err != nil {
				t.Errorf("the result does not validate: %v", err)
			}
		})
	}
}

// show renders server settings for a message.
func show(s Server) string {
	var b strings.Builder
	v := reflect.ValueOf(s)
	for i := range v.NumField() {
		if f := v.Field(i); !f.IsNil() {
			b.WriteString(v.Type().Field(i).Name + "=" + strings.TrimPrefix(reflect.Indirect(f).String(), "<") + " ")
		}
	}
	return "{" + b.String() + "}"
}

func TestErrors(t *testing.T) {
	tests := []struct{ text, want string }{
		{"collector {\n  port = \n}", "micro.conf:3:1: invalid value: unknown value: \"}\""},
		{"collector {\n  port = 9090\n", "micro.conf:3:1: invalid config object: parenthesis do not match"},
		{"collector {\n  port = ${undefined.path}\n}", "micro.conf: could not resolve substitution: ${undefined.path} to a value"},
		{"collector { port = \"ninety\" }", `micro.conf: collector.port: must be a whole number, not "ninety"`},
		{"collector { port = 70000 }", "micro.conf: collector.port: must be a port number, not 70000"},
		{"collector { cookie.expiration = \"a year\" }", `micro.conf: collector.cookie.expiration: must be a duration such as "30 seconds" or "365 days", not "a year"`},
		{"collector { cookie.secure = maybe }", `micro.conf: collector.cookie.secure: must be true or false, not "maybe"`},
		{"collector { cookie.domains = \"acme.com\" }", `micro.conf: collector.cookie.domains: must be a list of strings, not "acme.com"`},
		{"collector { networking.maxPayloadSize = \"1 parsec\" }", `micro.conf: collector.networking.maxPayloadSize: must be a size in bytes such as 1000000 or "1 MiB", not "1 parsec"`},
		{"collector = 5", "micro.conf: collector: must be an object, not 5"},
		{"collector {\n  cookie.domains = [acme.com\"]\n}", "micro.conf:2:29: unclosed string: a quote opened here is not closed on its line"},
		{"collector {\n  cookie.name = \"sp\n}", "micro.conf:2:17: unclosed string: a quote opened here is not closed on its line"},
		{"a = 1\nb = \"\"\"open", "micro.conf:2:5: unclosed multi-line string"},
		{"[1, 2]", "micro.conf: a collector config must be an object, not a list"},
	}
	for _, tt := range tests {
		_, _, _, err := apply(t, tt.text)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%q:\n got %v\nwant %s", tt.text, err, tt.want)
		}
	}
}

// The example micro.conf files of Micro's documentation load unchanged; their settings
// land where they should, and their keys plowbox has no use for raise no warnings
// except for the features it lacks.
func TestMicroExamples(t *testing.T) {
	t.Run("2020: the full collector config", func(t *testing.T) {
		f, err := Load(filepath.Join("testdata", "micro-example-2020.conf"))
		if err != nil {
			t.Fatal(err)
		}
		cfg := collector.DefaultConfig()
		srv, warnings, err := f.Apply(&cfg)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(srv, Server{Interface: ptr("0.0.0.0"), Port: ptr(9090), SSLPort: ptr(9543), SSLRedirect: ptr(false)}) {
			t.Errorf("server settings %s", show(srv))
		}
		if srv.Addr(":9090") != ":9090" {
			t.Errorf("addr %s", srv.Addr(":9090"))
		}
		want := collector.DefaultConfig()
		want.Paths = map[string]string{}
		want.CrossDomain = collector.CrossDomainConfig{Enabled: false, Domains: []string{"*"}, Secure: true}
		want.Cookie.Name, want.Cookie.Secure, want.Cookie.HTTPOnly, want.Cookie.Domains = "micro", false, false, []string{}
		want.DoNotTrackCookie = collector.DoNotTrackCookieConfig{Enabled: false, Name: "foo", Value: "bar"}
		want.RootResponse = collector.RootResponseConfig{Enabled: false, StatusCode: 302,
			Headers: map[string]string{"Location": "https://127.0.0.1/", "X-Custom": "something"}, Body: "302, redirecting"}
		want.CORS.AccessControlMaxAge = 5 * time.Second
		if !reflect.DeepEqual(cfg, want) {
			t.Errorf("config\n got %+v\nwant %+v", cfg, want)
		}
		wantWarnings := []string{"collector.p3p: plowbox sends no P3P header; ignored",
			"collector.redirectMacro: plowbox does not replace a macro in redirect URLs; ignored"}
		if strings.Join(warnings, "\n") != strings.Join(wantWarnings, "\n") {
			t.Errorf("warnings %q", warnings)
		}
	})
	t.Run("2022: paths only, as the documentation shows it today", func(t *testing.T) {
		f, err := Load(filepath.Join("testdata", "micro-example-2022.conf"))
		if err != nil {
			t.Fatal(err)
		}
		cfg := collector.DefaultConfig()
		srv, warnings, err := f.Apply(&cfg)
		if err != nil || len(warnings) > 0 || !reflect.DeepEqual(srv, Server{}) || len(cfg.Paths) != 0 {
			t.Errorf("%v %q %s %v", err, warnings, show(srv), cfg.Paths)
		}
	})
	t.Run("-Dcollector.cookie.name=sp overrides the file", func(t *testing.T) {
		f, err := Load(filepath.Join("testdata", "micro-example-2020.conf"), "collector.cookie.name=sp", "collector.port=9091")
		if err != nil {
			t.Fatal(err)
		}
		cfg := collector.DefaultConfig()
		srv, _, err := f.Apply(&cfg)
		if err != nil || cfg.Cookie.Name != "sp" || *srv.Port != 9091 || cfg.CORS.AccessControlMaxAge != 5*time.Second {
			t.Errorf("%v cookie %q port %d", err, cfg.Cookie.Name, *srv.Port)
		}
	})
}

func TestAddr(t *testing.T) {
	tests := []struct {
		srv       Server
		def, want string
	}{
		{Server{}, ":9090", ":9090"},
		{Server{Port: ptr(9091)}, ":9090", ":9091"},
		{Server{Interface: ptr("127.0.0.1")}, ":9090", "127.0.0.1:9090"},
		{Server{Interface: ptr("0.0.0.0"), Port: ptr(80)}, "localhost:9090", ":80"},
		{Server{Interface: ptr("::1"), Port: ptr(80)}, ":9090", "[::1]:80"},
	}
	for _, tt := range tests {
		if got := tt.srv.Addr(tt.def); got != tt.want {
			t.Errorf("%s.Addr(%q) = %q, want %q", show(tt.srv), tt.def, got, tt.want)
		}
	}
}

func TestBlankComments(t *testing.T) {
	in := "a = \"x # y\" # c\nb = [\n  # only\n] // c2\nc = \"\"\"# not // a comment\"\"\"\nd = \"q\\\"#\" #e"
	want := "a = \"x # y\"    \nb = [\n        \n]      \nc = \"\"\"# not // a comment\"\"\"\nd = \"q\\\"#\"   "
	got, err := blankComments([]byte(in))
	if err != nil || string(got) != want {
		t.Errorf("got\n%s\nwant\n%s (%v)", got, want, err)
	}
}
