package adapters

import (
	"encoding/base64"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzBase64 checks the lenient decoder: it never panics, its output is valid UTF-8, and
// whatever the standard decoder reads (padded standard alphabet) it reads the same way
// when the result is valid UTF-8.
func FuzzBase64(f *testing.F) {
	for _, s := range []string{"eyJhIjoxfQ", "eyJhIjoxfQ==", "eyJh-_Ij ox\nfQ", "!!!", "=", "", "////", "4pyTIMOgIGxhIG1vZGU"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := DecodeBase64(s)
		if err != nil {
			if got != "" {
				t.Fatalf("error %v with output %q", err, got)
			}
			return
		}
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8 out of %q: %q", s, got)
		}
		if std, err := base64.StdEncoding.DecodeString(s); err == nil && utf8.Valid(std) && !strings.ContainsAny(s, " \t\n\r\f\v") && string(std) != got {
			t.Fatalf("%q: standard decoder %q, lenient %q", s, std, got)
		}
	})
}
