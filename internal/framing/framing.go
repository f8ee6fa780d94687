// Package framing refuses HTTP/1.1 requests that carry both Content-Length and
// Transfer-Encoding, the ambiguity request smuggling exploits. Go's server obeys RFC 9112
// ("Transfer-Encoding overrides Content-Length") and drops the Content-Length header
// before a handler runs, so the conflict can only be seen on the wire: Listen wraps each
// connection with a scanner that follows the request framing as the bytes pass, and
// Guard answers 400 (and closes the connection, so that nothing pipelined behind it
// runs) for the request the scanner flagged. RFC 9112, section 6.1: "A server MAY reject
// a request that contains both Content-Length and Transfer-Encoding [...] Regardless,
// the server MUST close the connection after responding to such a request".
package framing

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
)

// Listen wraps ln so that Guard can tell which requests carried both headers. Use it for
// plain HTTP listeners only: under TLS the bytes on the wire are encrypted, and the
// HTTPS listener wraps each decrypted connection with Wrap instead.
func Listen(ln net.Listener) net.Listener { return listener{ln} }

// Wrap makes c a connection whose requests Guard checks; c carries the decrypted bytes
// of HTTP/1 (a *tls.Conn once its handshake is done, for HTTPS). NetConn returns c.
func Wrap(c net.Conn) net.Conn { return &conn{Conn: c} }

type listener struct{ net.Listener }

func (l listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return Wrap(c), nil
}

// conn scans the requests read from its connection.
type conn struct {
	net.Conn
	s       scanner      // used by the server's reading goroutine only
	flagged atomic.Int64 // number (from 1) of the first request with both headers; 0 for none
	served  atomic.Int64 // requests seen by Guard
}

// NetConn returns the wrapped connection.
func (c *conn) NetConn() net.Conn { return c.Conn }

func (c *conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if c.flagged.Load() == 0 {
		if k := c.s.scan(p[:n]); k > 0 {
			c.flagged.Store(k)
		}
	}
	return n, err
}

type connKey struct{}

// ConnContext is the http.Server's ConnContext: it makes the connection known to Guard.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if fc, ok := c.(*conn); ok {
		return context.WithValue(ctx, connKey{}, fc)
	}
	return ctx
}

// Guard answers 400 to a request that carried both Content-Length and Transfer-Encoding,
// and closes its connection; every other request goes to next.
func Guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor == 1 && conflicting(r) {
			w.Header().Set("Connection", "close")
			http.Error(w, "A request with both Content-Length and Transfer-Encoding is refused: send one of them", http.StatusBadRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// conflicting reports whether r carried both headers, as the scanner saw them. Go
// removes Transfer-Encoding from r.Header, and Content-Length too when it frames the body
// as chunked (HTTP/1.1); it ignores Transfer-Encoding in HTTP/1.0.
func conflicting(r *http.Request) bool {
	c, ok := r.Context().Value(connKey{}).(*conn)
	if !ok {
		return false
	}
	n := c.served.Add(1)
	return c.flagged.Load() == n && (len(r.TransferEncoding) > 0 || r.ProtoMinor == 0)
}
