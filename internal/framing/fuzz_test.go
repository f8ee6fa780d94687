package framing

import (
	"bytes"
	"testing"
)

// FuzzScanner checks the framing scanner on any byte stream, cut anywhere: it never
// panics, it flags a request only where a header block names both Content-Length and
// Transfer-Encoding, and cutting the stream into two reads changes nothing.
func FuzzScanner(f *testing.F) {
	f.Add([]byte("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\n\r\n"), 5)
	f.Add([]byte("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;x\r\nabc\r\n0\r\nT: 1\r\n\r\n"), 30)
	f.Add([]byte("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), 1)
	f.Add([]byte("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\nab"), 0)
	f.Fuzz(func(t *testing.T, wire []byte, cut int) {
		var whole scanner
		k := whole.scan(wire)
		if cut < 0 || cut > len(wire) {
			cut = len(wire) / 2
		}
		var split scanner
		k1 := split.scan(wire[:cut])
		k2 := split.scan(wire[cut:])
		if first := max(k1, 0); (k1 == 0 && k2 != k) || (k1 != 0 && first != k) {
			t.Fatalf("whole stream flags %d, split at %d flags %d then %d", k, cut, k1, k2)
		}
		if k > 0 {
			lower := bytes.ToLower(wire)
			if !bytes.Contains(lower, []byte("content-length")) || !bytes.Contains(lower, []byte("transfer-encoding")) {
				t.Fatalf("flagged %d in a stream without both headers: %q", k, wire)
			}
		}
	})
}
