package tlsfront

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/crypto/acme"

	"github.com/plowbox/plowbox/internal/framing"
)

// listener is the HTTPS listener. It runs the TLS handshake of each connection itself,
// so that the request-framing guard (internal/framing) sees the decrypted bytes of
// HTTP/1 connections: those are handed to the server wrapped by framing.Wrap. HTTP/2
// connections (which have no Content-Length and Transfer-Encoding ambiguity) are handed
// over as *tls.Conn, for the server's HTTP/2 support; a tls-alpn-01 ACME challenge ends
// with its handshake. Handshakes run in goroutines of their own, so a slow client never
// holds up the next one.
type listener struct {
	ln      net.Listener
	cfg     *tls.Config
	timeout time.Duration // for a handshake
	log     *slog.Logger

	conns  chan net.Conn // handshaken connections
	errs   chan error    // the accept loop's last error
	ctx    context.Context
	cancel context.CancelFunc // ends the accept loop and the handshakes under way
	once   sync.Once
}

// newListener starts accepting connections on ln for cfg; a handshake must end within
// timeout.
func newListener(ln net.Listener, cfg *tls.Config, timeout time.Duration, log *slog.Logger) *listener {
	ctx, cancel := context.WithCancel(context.Background())
	l := &listener{ln: ln, cfg: cfg, timeout: timeout, log: log,
		conns: make(chan net.Conn), errs: make(chan error, 1), ctx: ctx, cancel: cancel}
	go l.acceptLoop()
	return l
}

// acceptLoop accepts connections and starts their handshakes until the listener fails
// or is closed. Like http.Server, it waits a little after a temporary failure (too many
// open files) and tries again.
func (l *listener) acceptLoop() {
	var delay time.Duration
	for {
		c, err := l.ln.Accept()
		if err != nil {
			if temporary(err) {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				l.log.Warn("HTTPS: accept failed, retrying", "err", err, "retry_in", delay)
				select {
				case <-time.After(delay):
					continue
				case <-l.ctx.Done():
					return
				}
			}
			l.errs <- err
			return
		}
		delay = 0
		go l.handshake(c)
	}
}

// temporary reports whether an accept error says it is temporary (EMFILE, ENFILE).
func temporary(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// handshake runs the TLS handshake of c and hands the connection to Accept.
func (l *listener) handshake(c net.Conn) {
	tc := tls.Server(c, l.cfg)
	ctx, cancel := context.WithTimeout(l.ctx, l.timeout)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		l.log.Debug("HTTPS: TLS handshake failed", "remote", c.RemoteAddr().String(), "err", err)
		tc.Close()
		return
	}
	var conn net.Conn
	switch tc.ConnectionState().NegotiatedProtocol {
	case acme.ALPNProto:
		tc.Close() // the certificate of the handshake was the answer
		return
	case "h2":
		conn = tc
	default:
		conn = framing.Wrap(tc)
	}
	select {
	case l.conns <- conn:
	case <-l.ctx.Done():
		conn.Close()
	}
}

// Accept returns the next connection whose handshake is done.
func (l *listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case err := <-l.errs:
		l.errs <- err // for the next call
		return nil, err
	case <-l.ctx.Done():
		return nil, net.ErrClosed
	}
}

// Close stops accepting and ends the handshakes under way.
func (l *listener) Close() error {
	var err error
	l.once.Do(func() {
		l.cancel()
		err = l.ln.Close()
	})
	return err
}

// Addr is the address listened on.
func (l *listener) Addr() net.Addr { return l.ln.Addr() }

type tlsStateKey struct{}

// connContext is the HTTPS server's ConnContext: it makes the connection known to
// framing.Guard, and keeps the TLS state of an HTTP/1 connection, whose handshake the
// listener has done, for withTLSState.
func connContext(ctx context.Context, c net.Conn) context.Context {
	ctx = framing.ConnContext(ctx, c)
	if w, ok := c.(interface{ NetConn() net.Conn }); ok {
		if tc, ok := w.NetConn().(*tls.Conn); ok {
			st := tc.ConnectionState()
			ctx = context.WithValue(ctx, tlsStateKey{}, &st)
		}
	}
	return ctx
}

// withTLSState sets r.TLS on the requests of HTTP/1 connections, which the server sees
// through framing.Wrap and so not as TLS connections.
func withTLSState(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			if st, ok := r.Context().Value(tlsStateKey{}).(*tls.ConnectionState); ok {
				r.TLS = st
			}
		}
		h.ServeHTTP(w, r)
	})
}
