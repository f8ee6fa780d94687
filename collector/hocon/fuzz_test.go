package hocon

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzBlankComments: blanking comments keeps the text's length and its lines where they
// were, so the library's error positions still point into the file; it never panics.
// (The HOCON library itself is not fuzzed here: it loops on some malformed input, which
// parseHOCON bounds with a timeout.)
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

// A file the HOCON library loops on is refused once the parse timeout has passed, rather
// than hanging plowbox's start.
func TestParseTimeout(t *testing.T) {
	loops, err := blankComments([]byte("collector { port = ${?PORT}, cookie.domains = [a.c#om, \"b\"] }\ncollector.aths { \"/a/b\" \n= \"/r/tp2\" }\nakka.x  1"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = parseHOCON("micro.conf", string(loops), 50*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "micro.conf: not valid HOCON: the parser did not finish") {
		t.Fatalf("error %v", err)
	}
}
