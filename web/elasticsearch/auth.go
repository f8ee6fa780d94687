package elasticsearch

import (
	"encoding/base64"
	"strings"

	"github.com/gin-gonic/gin"
)

// InspectorCredentials lets Snowplow Inspector's credentials through on the API's
// paths: the Inspector sends Authorization: <base64 of user:password>, without the
// "Basic " scheme, taken from the userinfo of the endpoint URL its user typed
// (https://github.com/snowplow/chrome-snowplow-inspector, src/components/Modals/LiveStream.tsx).
// Such a header is given the Basic scheme, so that the router's access check sees
// ordinary basic credentials. Use it before that check; it changes nothing elsewhere.
func InspectorCredentials(c *gin.Context) {
	path := c.Request.URL.Path
	if path != Prefix && !strings.HasPrefix(path, Prefix+"/") {
		return
	}
	h := c.Request.Header.Get("Authorization")
	if h == "" || strings.ContainsAny(h, " \t") {
		return
	}
	decoded, err := base64.StdEncoding.DecodeString(h)
	if err != nil || !strings.Contains(string(decoded), ":") {
		return
	}
	c.Request.Header.Set("Authorization", "Basic "+h)
}
