package main

import (
	"net/http"
	"time"
)

// timeouts are the HTTP listeners' connection limits. The request line and headers must
// arrive within the collector's responseHeaderTimeout (30 s); the whole request, body
// included, within read; the answer must be written within write (handlers that answer
// late on purpose, such as /plowbox/api/wait and the live tail, lift it for themselves);
// a keep-alive connection is closed after idle.
type timeouts struct {
	read, write, idle time.Duration
}

// timeoutOptions are the options of the timeouts.
func timeoutOptions(t *timeouts) []option {
	return []option{
		{name: "read-timeout", usage: "time allowed to read a whole request, body included, before the connection is closed (long-polls and the live tail are exempt)", value: duration(&t.read, time.Minute)},
		{name: "write-timeout", usage: "time allowed to write an answer before the connection is closed (long-polls, the live tail and profiles are exempt)", value: duration(&t.write, 2*time.Minute)},
		{name: "idle-timeout", usage: "time an idle keep-alive connection stays open (Snowplow's collector uses 610s behind load balancers that keep connections 600s)", value: duration(&t.idle, 2*time.Minute)},
	}
}

// apply sets the limits on srv, with Snowplow's collector's maxHeadersLength.
func (t timeouts) apply(srv *http.Server) *http.Server {
	srv.ReadHeaderTimeout = 30 * time.Second
	srv.ReadTimeout = t.read
	srv.WriteTimeout = t.write
	srv.IdleTimeout = t.idle
	srv.MaxHeaderBytes = maxHeaderBytes
	return srv
}

// maxHeaderBytes is Snowplow's collector's networking.maxHeadersLength; Go allows 4 KB
// more for its buffer, so a request line and headers over about 44 KB get 431.
const maxHeaderBytes = 40960
