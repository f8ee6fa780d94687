package event

import (
	"strings"
	"testing"
)

// renderParams renders params as name=value pairs, "name" for a nil value, joined by |.
func renderParams(ps Params) string {
	var parts []string
	for _, p := range ps {
		if p.Value == nil {
			parts = append(parts, p.Name)
		} else {
			parts = append(parts, p.Name+"="+*p.Value)
		}
	}
	return strings.Join(parts, "|")
}

func TestParseQuery(t *testing.T) {
	tests := []struct {
		raw, want string
		wantErr   bool
	}{
		{raw: "", want: ""},
		{raw: "e=pv&aid=site", want: "e=pv|aid=site"},
		{raw: "a=1&a=2", want: "a=1|a=2"},
		{raw: "&a&", want: "a"},
		{raw: "a=&b", want: "a=|b"},
		{raw: "url=https%3A%2F%2Fx.y%2F%3Fq%3D1&page=a+b%20c", want: "url=https://x.y/?q=1|page=a b c"},
		{raw: "x=a=b=c", want: "x=a=b=c"},
		{raw: "=v&a=1&&", want: "a=1"},
		{raw: "k=raw space é", want: "k=raw space é"},
		{raw: "k=%C3%A9%E2%82%AC", want: "k=é€"},
		{raw: "k=%ff", want: "k=\ufffd"},
		{raw: "k%2B=%2b", want: "k+=+"},
		{raw: "k=%zz", wantErr: true},
		{raw: "k=%", wantErr: true},
		{raw: "k=%4", wantErr: true},
		{raw: "%g1=v", wantErr: true},
		{raw: "=%x", wantErr: true},
	}
	for _, tt := range tests {
		ps, err := ParseQuery(tt.raw)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseQuery(%q) error = %v, wantErr %v", tt.raw, err, tt.wantErr)
			continue
		}
		if got := renderParams(ps); !tt.wantErr && got != tt.want {
			t.Errorf("ParseQuery(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

func TestParamsGetLastWins(t *testing.T) {
	ps, err := ParseQuery("a=1&b&a=2")
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := ps.Get("a"); !ok || v != "2" {
		t.Errorf("Get(a) = %q, %v", v, ok)
	}
	if _, ok := ps.Get("b"); ok {
		t.Error("Get(b) found a value for a key without '='")
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"e=pv&aid=site", "&a&", "k=%zz", "a+b=c%20d", "x=%C3%A9", "=v&&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		ps, err := ParseQuery(raw)
		if err != nil {
			return
		}
		for _, p := range ps {
			if p.Name == "" {
				t.Fatalf("empty name from %q", raw)
			}
			if !strings.Contains(raw, "=") && p.Value != nil {
				t.Fatalf("value without '=' from %q", raw)
			}
		}
		if len(ps) > strings.Count(raw, "&")+1 {
			t.Fatalf("%d params from %q", len(ps), raw)
		}
		// Re-encoding and parsing again gives the same parameters.
		var b strings.Builder
		for i, p := range ps {
			if i > 0 {
				b.WriteByte('&')
			}
			b.WriteString(escapeComponent(p.Name))
			if p.Value != nil {
				b.WriteByte('=')
				b.WriteString(escapeComponent(*p.Value))
			}
		}
		again, err := ParseQuery(b.String())
		if err != nil || renderParams(again) != renderParams(ps) {
			t.Fatalf("re-parse of %q: %q, %v; want %q", b.String(), renderParams(again), err, renderParams(ps))
		}
	})
}

// escapeComponent percent-encodes every byte that is not unreserved.
func escapeComponent(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte("0123456789ABCDEF"[c>>4])
		b.WriteByte("0123456789ABCDEF"[c&15])
	}
	return b.String()
}
