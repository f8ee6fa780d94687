package framing

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// Requests written on one connection, pipelined, to a real server on loopback: a request
// with both Content-Length and Transfer-Encoding gets 400 and closes the connection, so
// that a request smuggled behind it never runs; well-framed requests before it, chunked
// or not, are answered.
func TestConflictingFraming(t *testing.T) {
	const (
		get     = "GET /next HTTP/1.1\r\nHost: x\r\n\r\n"
		clPost  = "POST /cl HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
		chunked = "POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n3\r\n\r\n\n\r\n0\r\nTrailer: t\r\n\r\n"
		both    = "POST /both HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
		bothTE  = "POST /both HTTP/1.1\r\nHost: x\r\ntransfer-encoding: chunked\r\ncontent-length: 40\r\n\r\n0\r\n\r\n"
		both10  = "POST /both HTTP/1.0\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
	)
	cases := []struct {
		name  string
		wire  string
		codes []int // the answers, in order, before the connection closes
		ran   []string
	}{
		{"both, then a pipelined request", both + get, []int{400}, nil},
		{"both, lower case, other order", bothTE + get, []int{400}, nil},
		{"both over HTTP/1.0", both10 + get, []int{400}, nil},
		{"chunked then pipelined", chunked + get, []int{200, 200}, []string{"/chunked hello\r\n\n", "/next "}},
		{"Content-Length then pipelined", clPost + get, []int{200, 200}, []string{"/cl hello", "/next "}},
		{"two good ones, then both", chunked + clPost + both + get, []int{200, 200, 400}, []string{"/chunked hello\r\n\n", "/cl hello"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var ran []string
			var served atomic.Int64
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				ran = append(ran, r.URL.Path+" "+string(b))
				served.Add(1)
			})
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			srv := &http.Server{Handler: Guard(h), ConnContext: ConnContext}
			go srv.Serve(Listen(ln))
			defer srv.Close()
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := io.WriteString(c, tc.wire); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(c)
			var codes []int
			for {
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					break // the server closed the connection, or had nothing more to answer
				}
				body, _ := io.ReadAll(resp.Body)
				codes = append(codes, resp.StatusCode)
				if resp.StatusCode == http.StatusBadRequest && !strings.Contains(string(body), "Content-Length and Transfer-Encoding") {
					t.Errorf("400 without the reason: %q", body)
				}
				if len(codes) == len(tc.codes) && resp.Close {
					break
				}
				if len(codes) == len(tc.codes) && tc.codes[len(tc.codes)-1] == 200 {
					break
				}
			}
			if !equal(codes, tc.codes) {
				t.Errorf("answers %v, want %v", codes, tc.codes)
			}
			if !equal(ran, tc.ran) {
				t.Errorf("handled %q, want %q", ran, tc.ran)
			}
		})
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
