package collector

import (
	"strings"
	"testing"
)

func TestDefaultConfigValid(t *testing.T) {
	cfg := DefaultConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("DefaultConfig().Validate() = %v", err)
	}
	if cfg.RootResponse.StatusCode != 302 || cfg.RootResponse.Headers["Location"] != "/micro/ui/" {
		t.Errorf("root response = %+v, want 302 to /micro/ui/", cfg.RootResponse)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*Config)
		wantErr string // "" for valid
	}{
		{"valid aliases", func(c *Config) {
			c.Paths = map[string]string{"/acme/track": PathTP2, "/acme/r": PathRedirect, "/acme/iglu": PathIglu}
		}, ""},
		{"long name", func(c *Config) { c.Name = "plowbox-" + strings.Repeat("9", 25) }, "collector name"},
		{"alias source not two segments", func(c *Config) { c.Paths = map[string]string{"/acme": PathTP2} }, `"/acme" is not a /vendor/version path`},
		{"alias target unknown", func(c *Config) { c.Paths = map[string]string{"/a/b": "/i"} }, `maps to "/i"`},
		{"cookie name", func(c *Config) { c.Cookie.Name = "s p" }, "cookie.name"},
		{"client cookie name", func(c *Config) { c.Cookie.ClientCookieName = "a;b" }, "clientCookieName"},
		{"same site", func(c *Config) { c.Cookie.SameSite = "Sometimes" }, "cookie.sameSite"},
		{"dnt regex", func(c *Config) { c.DoNotTrackCookie = DoNotTrackCookieConfig{Enabled: true, Name: "d", Value: "("} }, "doNotTrackCookie.value"},
		{"bounce name", func(c *Config) { c.CookieBounce.Enabled = true; c.CookieBounce.Name = "" }, "cookieBounce.name"},
		{"root status", func(c *Config) { c.RootResponse.StatusCode = 0 }, "rootResponse.statusCode"},
		{"drop size", func(c *Config) { c.DropPayloadSize = 0 }, "dropPayloadSize"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tt.edit(&cfg)
			err := cfg.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Validate() = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseOrigin(t *testing.T) {
	tests := []struct {
		in, want string // want "" = not an origin
	}{
		{"https://a.com", "https://a.com"},
		{"http://a.com:8080", "http://a.com:8080"},
		{"http://[::1]:80", "http://[::1]:80"},
		{"null", ""},
		{"https://", ""},
		{"https://a.com/", ""},
		{"https://a.com:", ""},
		{"https://a.com:x", ""},
		{"https://a.com:99999", ""},
		{"1http://a.com", ""},
		{"http://[::1", ""},
		{"http://[::1]x", ""},
	}
	for _, tt := range tests {
		o, ok := parseOrigin(tt.in)
		got := ""
		if ok {
			got = o.String()
		}
		if got != tt.want {
			t.Errorf("parseOrigin(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNewUUID(t *testing.T) {
	a, b := newUUID(), newUUID()
	if a == b || len(a) != 36 || a[14] != '4' || !strings.ContainsRune("89ab", rune(a[19])) || strings.ToLower(a) != a {
		t.Errorf("newUUID() = %q, %q", a, b)
	}
}

func TestInvalidDoNotTrackRegexDisablesIt(t *testing.T) {
	cfg := testConfig()
	cfg.DoNotTrackCookie = DoNotTrackCookieConfig{Enabled: true, Name: "dnt", Value: "("}
	if c := New(cfg, &recordingSink{}, nil); c.dnt != nil {
		t.Error("invalid regex compiled")
	}
}
