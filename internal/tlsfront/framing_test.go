package tlsfront

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plowbox/plowbox/internal/tlsfront/tlsfronttest"
)

// Over HTTPS as over HTTP, a request with both Content-Length and Transfer-Encoding gets
// 400 and closes the connection, so that a request pipelined behind it never runs: a real
// TLS client on loopback writes the raw bytes. Well-framed HTTP/1.1 and HTTP/2 requests
// are served, and handlers see the TLS state of both.
func TestTLSConflictingFraming(t *testing.T) {
	dir := t.TempDir()
	c := tlsfronttest.SelfSigned(t, "plowbox.test")
	f, err := New(Settings{cert: writeTempFile(t, dir, "cert.pem", c.CertPEM), key: writeTempFile(t, dir, "key.pem", c.KeyPEM)},
		dir, "test", envMap(nil), io.Discard, discardLog)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var ran []string
	f.set.httpsAddr = "127.0.0.1:0"
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		ran = append(ran, r.URL.Path+" "+string(b))
		mu.Unlock()
		if r.TLS == nil || !r.TLS.HandshakeComplete {
			http.Error(w, "no TLS state", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, r.Proto)
	})
	if err := f.Start(h, make(chan error, 1)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := f.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	})
	addr := f.addr.String()
	pool := x509.NewCertPool()
	pool.AddCert(c.Leaf)

	const (
		both = "POST /both HTTP/1.1\r\nHost: plowbox.test\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
		get  = "GET /smuggled HTTP/1.1\r\nHost: plowbox.test\r\n\r\n"
		post = "POST /chunked HTTP/1.1\r\nHost: plowbox.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
	)
	for _, alpn := range [][]string{nil, {"http/1.1"}} {
		conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: "plowbox.test", NextProtos: alpn})
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(10 * time.Second)) // a connection left open fails the test, not hangs it
		if _, err := io.WriteString(conn, post+both+get); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(conn)
		var codes []int
		for {
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Errorf("ALPN %q: after %v: %v, want the connection closed", alpn, codes, err)
				}
				break
			}
			body, _ := io.ReadAll(resp.Body)
			codes = append(codes, resp.StatusCode)
			if resp.StatusCode == http.StatusBadRequest && !strings.Contains(string(body), "Content-Length and Transfer-Encoding") {
				t.Errorf("ALPN %q: 400 without the reason: %q", alpn, body)
			}
			if resp.StatusCode == http.StatusOK && string(body) != "HTTP/1.1" {
				t.Errorf("ALPN %q: answer %q, want HTTP/1.1", alpn, body)
			}
		}
		conn.Close()
		if len(codes) != 2 || codes[0] != http.StatusOK || codes[1] != http.StatusBadRequest {
			t.Errorf("ALPN %q: answers %v, want [200 400] and the connection closed", alpn, codes)
		}
	}
	mu.Lock()
	if want := "/chunked hello,/chunked hello"; strings.Join(ran, ",") != want {
		t.Errorf("handled %q, want %q: nothing behind the refused request runs", ran, want)
	}
	mu.Unlock()

	// HTTP/2 still works on the HTTPS listener.
	client := &http.Client{Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: pool, ServerName: "plowbox.test"},
		ForceAttemptHTTP2: true,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}}
	defer client.CloseIdleConnections()
	resp, err := client.Get("https://plowbox.test/h2")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "HTTP/2.0" {
		t.Errorf("GET over HTTP/2: %d %q", resp.StatusCode, body)
	}
}
