package plansapi

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/plowbox/plowbox/internal/har"
	"github.com/plowbox/plowbox/internal/runs"
)

// maxHAR caps an uploaded HAR capture.
const maxHAR = 64 << 20

// SetCollector sets the collector HAR imports are sent through.
func (a *API) SetCollector(h http.Handler) { a.collector = h }

// ImportedRequest is one Snowplow request of a capture and the collector's answer.
type ImportedRequest struct {
	Method string `json:"method"`
	URL    string `json:"url"`
	Time   string `json:"time"`
	Status int    `json:"status"`
}

// importHAR is POST /plowbox/api/import/har[?run=ID]: every Snowplow request of the HAR
// capture in the body goes through the collector as it was sent (method, path, query,
// body, headers), with its original time as the collector timestamp.
func (a *API) importHAR(c *gin.Context) {
	if a.collector == nil {
		fail(c, http.StatusServiceUnavailable, "the collector is not available for imports")
		return
	}
	run := c.Query("run")
	form := strings.HasPrefix(c.ContentType(), "multipart/")
	var body io.Reader = http.MaxBytesReader(c.Writer, c.Request.Body, maxHAR)
	if form { // the Plans page's form
		run = strings.TrimSpace(c.PostForm("run"))
		fh, err := c.FormFile("har")
		if err != nil {
			backToPage(c, "", "choose a HAR file to import")
			return
		}
		f, err := fh.Open()
		if err != nil {
			backToPage(c, "", err.Error())
			return
		}
		defer f.Close()
		body = io.LimitReader(f, maxHAR)
	}
	answerErr := func(msg string) {
		if form {
			backToPage(c, "", msg)
			return
		}
		fail(c, http.StatusBadRequest, msg)
	}
	if run != "" && !runs.ValidID(run) {
		answerErr("run: " + runs.ErrInvalidID.Error())
		return
	}
	reqs, err := har.Parse(body)
	if err != nil {
		answerErr(err.Error())
		return
	}
	out := struct {
		Imported int               `json:"imported"`
		Skipped  int               `json:"skipped"`
		Requests []ImportedRequest `json:"requests"`
	}{Requests: []ImportedRequest{}}
	for _, hr := range reqs {
		path, ok := har.TrackerPath(hr)
		if !ok {
			out.Skipped++
			continue
		}
		ctx := har.WithTime(c.Request.Context(), hr.Time)
		if run != "" {
			ctx = runs.WithTag(ctx, runs.Tag{ID: run, Source: runs.SourceHeader})
		}
		u := &url.URL{Path: path, RawQuery: hr.URL.RawQuery}
		if p, err := url.PathUnescape(path); err == nil {
			u.Path, u.RawPath = p, path
		}
		req := httptest.NewRequestWithContext(ctx, hr.Method, u.RequestURI(), bytes.NewReader(hr.Body))
		req.Header = hr.Header.Clone()
		req.Host = hr.URL.Host
		req.RemoteAddr = c.Request.RemoteAddr
		rec := httptest.NewRecorder()
		a.collector.ServeHTTP(rec, req)
		out.Imported++
		out.Requests = append(out.Requests, ImportedRequest{Method: hr.Method, URL: hr.URL.String(), Time: isoTime(hr.Time), Status: rec.Code})
	}
	if form {
		backToPage(c, fmt.Sprintf("imported %d Snowplow requests (%d other requests skipped)", out.Imported, out.Skipped), "")
		return
	}
	c.JSON(http.StatusOK, out)
}
