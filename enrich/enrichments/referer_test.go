package enrichments

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"testing"
)

// TestRefererParserCorpus replays referer-parser's own referer-tests.json against
// referers.yml.
func TestRefererParserCorpus(t *testing.T) {
	yml, err := os.ReadFile(filepath.Join(shared, "referer-parser", "referers.yml"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := ParseRefererDB(yml)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(shared, "referer-parser", "referer-tests.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Spec, URI, Medium, Source string
		Term                      *string
		Known                     bool
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	passed := 0
	for _, c := range cases {
		u, err := url.Parse(c.URI)
		if err != nil {
			t.Errorf("%s: %v", c.Spec, err)
			continue
		}
		got, ok := db.Classify(u.Scheme, u.Hostname(), u.EscapedPath(), u.RawQuery, "www.snowplowanalytics.com", nil)
		want := Referer{Medium: c.Medium}
		if c.Known {
			want.Source = c.Source
		}
		if c.Term != nil {
			want.Term = *c.Term
		}
		if !ok || got != want {
			t.Errorf("%s: %s: got %+v, want %+v", c.Spec, c.URI, got, want)
			continue
		}
		passed++
	}
	t.Logf("%d of %d referer-parser cases pass", passed, len(cases))
	if len(cases) != 118 {
		t.Errorf("corpus has %d cases, want 118", len(cases))
	}
}

func TestRefererClassify(t *testing.T) {
	db, err := ParseRefererDB([]byte(`{"search":{"Google":{"domains":["google.com"],"parameters":["q"]}},"email":{"Orange":{"domains":["orange.fr/webmail"]}}}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, scheme, host, path, query string
		want                            Referer
		ok                              bool
	}{
		{"page host is internal", "https", "www.acme.com", "/", "", Referer{Medium: "internal"}, true},
		{"internal domain", "https", "blog.acme.com", "/", "", Referer{Medium: "internal"}, true},
		{"subdomain of known", "http", "www.google.com", "/search", "q=a+b&q=c", Referer{"search", "Google", "a b"}, true},
		{"path entry", "https", "mail.orange.fr", "/webmail/inbox", "", Referer{"email", "Orange", ""}, true},
		{"unknown", "https", "example.org", "/", "", Referer{Medium: "unknown"}, true},
		{"not http", "android-app", "com.google.android.gm", "", "", Referer{}, false},
	}
	for _, tt := range tests {
		got, ok := db.Classify(tt.scheme, tt.host, tt.path, tt.query, "www.acme.com", []string{"blog.acme.com"})
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: got %+v %v, want %+v %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}
