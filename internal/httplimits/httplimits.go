// Package httplimits holds the connection limits of plowbox's HTTP and HTTPS listeners:
// the request line and headers must arrive within Snowplow's collector's
// responseHeaderTimeout (30 s) and fit its maxHeadersLength (40 KiB); the whole request,
// body included, within Read; the answer must be written within Write (handlers that
// answer late on purpose, such as /plowbox/api/wait and the live tail, lift it for
// themselves with httpkit.LateAnswer); a keep-alive connection is closed after Idle.
package httplimits

import (
	"net/http"
	"time"

	"github.com/plowbox/plowbox/internal/options"
)

// Timeouts are the listeners' timeouts after the headers.
type Timeouts struct {
	Read, Write, Idle time.Duration
}

// Options are the options of the timeouts.
func Options(t *Timeouts) []options.Option {
	return []options.Option{
		{Name: "read-timeout", Usage: "time allowed to read a whole request, body included, before the connection is closed", Value: options.Duration(&t.Read, time.Minute)},
		{Name: "write-timeout", Usage: "time allowed to write an answer before the connection is closed (long-polls, the live tail and profiles are exempt)", Value: options.Duration(&t.Write, 2*time.Minute)},
		{Name: "idle-timeout", Usage: "time an idle keep-alive connection stays open (Snowplow's collector uses 610s behind load balancers that keep connections 600s)", Value: options.Duration(&t.Idle, 2*time.Minute)},
	}
}

// Apply sets the limits on srv and returns it.
func (t Timeouts) Apply(srv *http.Server) *http.Server {
	srv.ReadHeaderTimeout = 30 * time.Second
	srv.ReadTimeout = t.Read
	srv.WriteTimeout = t.Write
	srv.IdleTimeout = t.Idle
	srv.MaxHeaderBytes = MaxHeaderBytes
	return srv
}

// MaxHeaderBytes is Snowplow's collector's networking.maxHeadersLength; Go's server
// allows 4 KiB more for its buffer, so a request line and headers over about 44 KB get
// 431.
const MaxHeaderBytes = 40960
