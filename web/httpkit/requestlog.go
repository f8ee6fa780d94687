package httpkit

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// RequestIDHeader carries the id of a request to plowbox's own routes and back.
const RequestIDHeader = "X-Request-Id"

// requestIDKey is the gin context key of the request id.
const requestIDKey = "plowbox.request_id"

// RequestLog gives each request to plowbox's own routes an id (the caller's
// X-Request-Id when it is sane, so ids follow a request through proxies), echoes it in
// the response, and logs the request at debug level. Collector requests never reach it:
// a log line per tracked event would be unbounded.
func RequestLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader(RequestIDHeader)
		if !saneRequestID(id) {
			id = newRequestID()
		}
		c.Set(requestIDKey, id)
		c.Header(RequestIDHeader, id)
		start := time.Now()
		c.Next()
		if log.Enabled(c.Request.Context(), slog.LevelDebug) {
			log.Debug("request", "request_id", id, "method", c.Request.Method,
				"path", c.Request.URL.Path, "route", c.FullPath(), "status", c.Writer.Status(),
				"duration", time.Since(start), "remote", c.Request.RemoteAddr)
		}
	}
}

// saneRequestID accepts ids of 1 to 128 letters, digits and -_.:;=/+, enough for UUIDs,
// base64 and the ids of common proxies and tracing systems, and nothing (spaces, quotes,
// control characters) that could forge log lines.
func saneRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch b := id[i]; {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9', strings.IndexByte("-_.:;=/+", b) >= 0:
		default:
			return false
		}
	}
	return true
}

// newRequestID returns 16 random hex digits.
func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}
