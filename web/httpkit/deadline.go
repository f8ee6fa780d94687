package httpkit

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// LateAnswer lifts the server's write timeout for a handler that answers late on purpose
// (a long-poll, a stream, a profile): its answer may then take d, or as long as the
// client stays when d is 0. The timeout guards every other answer, so a client that
// never reads cannot hold a connection. (The read timeout needs no lifting: the server
// clears it once the request body has been read.)
func LateAnswer(c *gin.Context, d time.Duration) {
	var until time.Time
	if d > 0 {
		until = time.Now().Add(d)
	}
	// Recorders and writers without deadlines answer ErrNotSupported: nothing to lift.
	_ = http.NewResponseController(c.Writer).SetWriteDeadline(until)
}
