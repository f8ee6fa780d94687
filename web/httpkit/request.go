package httpkit

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// MaxUpload bounds a form body (control-plane verbs, uploads).
const MaxUpload = 8 << 20

// ReadJSONBody decodes a JSON request body into dst. On failure it returns the status
// and message to answer with: a non-JSON content type is 415 (a missing one is taken as
// JSON), invalid JSON 400, a wrongly typed value 422.
func ReadJSONBody(c *gin.Context, dst any) (status int, msg string) {
	if ct := c.GetHeader("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !bytes.HasSuffix([]byte(mt), []byte("+json"))) {
			return http.StatusUnsupportedMediaType, "Expected a JSON body (Content-Type: application/json), got " + strconv.Quote(ct)
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, 1<<20))
	if err != nil {
		return http.StatusBadRequest, "Malformed message body: " + err.Error()
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return http.StatusBadRequest, "Malformed message body: Invalid JSON: empty body"
	}
	if err := json.Unmarshal(body, dst); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return http.StatusUnprocessableEntity, "The request body was invalid: field " + strconv.Quote(typeErr.Field) + " must be " + typeErr.Type.String() + ", got JSON " + typeErr.Value
		}
		return http.StatusBadRequest, "Malformed message body: Invalid JSON: " + err.Error()
	}
	return 0, ""
}

// MethodForm answers status with the text msg unless the request uses one of methods,
// then reads its form as Form does.
func MethodForm(c *gin.Context, status int, msg string, methods ...string) (url.Values, bool) {
	if !slices.Contains(methods, c.Request.Method) {
		Text(c, status, msg)
		return nil, false
	}
	return Form(c)
}

// Form parses the request's form (query, urlencoded or multipart body, at most
// MaxUpload bytes) and returns it; on failure it answers 400.
func Form(c *gin.Context) (url.Values, bool) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, MaxUpload)
	var err error
	if strings.HasPrefix(c.ContentType(), "multipart/") {
		err = c.Request.ParseMultipartForm(MaxUpload)
	} else {
		err = c.Request.ParseForm()
	}
	if err != nil {
		Text(c, http.StatusBadRequest, "cannot read the form: "+err.Error())
		return nil, false
	}
	return c.Request.Form, true
}
