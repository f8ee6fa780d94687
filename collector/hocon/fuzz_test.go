package hocon

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gurkankaymak/hocon"
)

// FuzzBlankComments: blanking comments keeps the text's length and its lines where they
// were, so the library's error positions still point into the file; it never panics.
func FuzzBlankComments(f *testing.F) {
	for _, name := range []string{"micro-example-2020.conf", "micro-example-2022.conf"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("a = \"x # y\" # c\nb = [\n  # only\n] // c2\nc = \"\"\"# not\n// a comment\"\"\""))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := blankComments(b)
		if err != nil {
			return
		}
		if len(out) != len(b) {
			t.Fatalf("length %d, want %d", len(out), len(b))
		}
		for i := range b {
			if (b[i] == '\n') != (out[i] == '\n') || (out[i] != b[i] && out[i] != ' ') {
				t.Fatalf("byte %d: %q became %q", i, b[i], out[i])
			}
		}
		if bytes.Equal(out, b) && bytes.Contains(b, []byte("#")) && !bytes.Contains(b, []byte(`"`)) {
			t.Fatalf("a # outside quotes was kept: %q", b)
		}
	})
}

// Should the HOCON library loop on a file checkBrackets lets through, the file is
// refused once the parse timeout has passed, rather than hanging plowbox's start. (A
// parser that blocks until the test ends stands for the library.)
func TestParseTimeout(t *testing.T) {
	stuck := make(chan struct{})
	defer close(stuck)
	_, err := parseHOCON("micro.conf", "a = 1", 10*time.Millisecond, func(string) (*hocon.Config, error) {
		<-stuck
		return nil, errors.New("unblocked")
	})
	if err == nil || !strings.Contains(err.Error(), "micro.conf: not valid HOCON: the parser did not finish") {
		t.Fatalf("error %v", err)
	}
}

// The files the HOCON library never returns on (a list or a substitution left open at
// the end of the file after a value of several words) are refused before it runs, with
// the position of what is left open, and leave no goroutine behind; so are brackets
// that do not pair up.
func TestParseRefusesUnclosed(t *testing.T) {
	cases := []struct{ conf, want string }{
		{"collector { port = ${?PORT}, cookie.domains = [a.c#om, \"b\"] }\ncollector.paths { \"/a/b\" \n= \"/r/tp2\" }\nakka.x  1",
			"micro.conf:1:47: the [ (a list) opened here is not closed before the end of the file"},
		{"collector.cookie.domains = [a.com b", "micro.conf:1:28: the [ (a list) opened here is not closed"},
		{"collector.port = ${?PORT x", "micro.conf:1:18: the ${ (a substitution) opened here is not closed"},
		{"collector {\n  cookie.domains = [a.com b\n", "micro.conf:2:20: the [ (a list) opened here is not closed"},
		{"collector { paths = [\"/a\" } ]", "micro.conf:1:27: } does not close the [ (a list) opened at 1:21"},
		{"collector.port = 8080 }", "micro.conf:1:23: } closes nothing"},
	}
	before := runtime.NumGoroutine()
	for _, tc := range cases {
		_, err := Parse("micro.conf", []byte(tc.conf))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.conf, err, tc.want)
		}
	}
	if _, err := Parse("micro.conf", []byte("collector.port = 8080"), "collector.cookie.domains[=x"); err == nil || !strings.Contains(err.Error(), "override:1:25: the [ (a list)") {
		t.Errorf("an override with a [: error %v", err)
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("%d goroutines before the refused configs, %d after", before, after)
	}
	// Brackets inside quoted and triple-quoted strings, and substitutions, are fine.
	ok := "collector {\n  port = ${?PORT}\n  cookie.name = \"a[b{\"\n  paths { \"/x]\" = \"/com.snowplowanalytics.snowplow/tp2\" }\n  c = \"\"\"[\n{\"\"\"\n}"
	if _, err := Parse("micro.conf", []byte(ok)); err != nil {
		t.Errorf("%q: %v", ok, err)
	}
}

// FuzzParse: what blankComments and checkBrackets let through, the HOCON library parses
// well within a second, without panicking; an input it gave up on is a new loop of the
// library for checkBrackets to refuse.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"micro-example-2020.conf", "micro-example-2022.conf"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("collector.cookie.domains = [a.com b"))
	f.Add([]byte("collector.port = ${?PORT x"))
	f.Fuzz(func(t *testing.T, b []byte) {
		text, err := blankComments(b)
		if err != nil || checkBrackets(text) != nil {
			return
		}
		if _, err := parseHOCON("fuzz.conf", string(text), time.Second, hocon.ParseString); err != nil && strings.Contains(err.Error(), "did not finish") {
			t.Fatalf("the HOCON library loops on %q", b)
		}
	})
}
