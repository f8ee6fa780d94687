// Package httpkit holds what plowbox's HTTP surfaces share: JSON and text answers, the
// request log with its request ids, panic recovery and the request metrics.
package httpkit

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/a-h/templ"
	"github.com/gin-gonic/gin"
)

// Marshal encodes v compactly without HTML escaping, as Micro's encoder does.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// WriteJSON writes a compact JSON body.
func WriteJSON(c *gin.Context, status int, body []byte) {
	c.Data(status, "application/json", body)
}

// WriteMessage writes a plain message the way Micro does: as a JSON string.
func WriteMessage(c *gin.Context, status int, msg string) {
	b, _ := Marshal(msg)
	WriteJSON(c, status, b)
}

// WriteError answers an error of plowbox's own APIs as {"error": message}.
func WriteError(c *gin.Context, status int, msg string) {
	b, _ := Marshal(struct {
		Error string `json:"error"`
	}{msg})
	WriteJSON(c, status, b)
}

// Text answers a plain-text message, newline-terminated when it is an error (as Mini's
// control plane answers).
func Text(c *gin.Context, status int, msg string) {
	if status >= 400 {
		msg += "\n"
	}
	c.Data(status, "text/plain; charset=utf-8", []byte(msg))
}

// Render writes an HTML page that is never cached.
func Render(c *gin.Context, status int, page templ.Component) {
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Header("Cache-Control", "no-store")
	c.Status(status)
	if err := page.Render(c.Request.Context(), c.Writer); err != nil {
		_ = c.Error(err)
	}
}

// ISOTime formats t as Snowplow's timestamps: UTC with milliseconds.
func ISOTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// Recovery turns a panic in a handler into a logged 500 instead of a dropped connection.
func Recovery(log *slog.Logger) gin.HandlerFunc {
	return gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, err any) {
		log.Error("panic in handler", "path", c.Request.URL.Path, "err", err)
		c.AbortWithStatus(http.StatusInternalServerError)
	})
}
