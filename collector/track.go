package collector

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
)

// track handles a tracking request whose (aliased) path is path: it builds the payload,
// commits it through the sink unless do-not-track or a cookie bounce applies, and only
// then answers (collector.md §4, §7).
func (c *Collector) track(w http.ResponseWriter, r *http.Request, path string) {
	now := c.cfg.Now().UTC().Truncate(time.Millisecond)
	post := r.Method == http.MethodPost
	redirect := strings.HasPrefix(path, "/r/")
	rawQuery := r.URL.RawQuery
	anonymous := hasHeader(r.Header, "SP-Anonymous")
	cookies := parseCookies(r.Header)
	origins := parseOrigins(r.Header)
	cc := &c.cfg.Cookie
	cb := &c.cfg.CookieBounce

	var body, contentType *string
	if !post && r.ContentLength > c.cfg.DropPayloadSize {
		c.tooLarge(w, r, r.ContentLength)
		return
	}
	if post {
		b, ok := c.readBody(w, r)
		if !ok {
			return
		}
		contentType = postContentType(r)
		s := decodeBody(b, contentType)
		body = &s
	}

	spValue, hasSP := cookies.get(cc.Name)
	alreadyBouncing := cb.Enabled && strings.Contains(rawQuery, cb.Name)
	var nuid string
	fromRequest := true
	if v, ok := lastQueryValue(rawQuery, "nuid"); ok {
		nuid = v
	} else if hasSP {
		nuid = spValue
	} else {
		fromRequest = false
	}
	switch {
	case anonymous:
		nuid = anonymousNUID
	case fromRequest:
	case alreadyBouncing:
		nuid = cb.FallbackNetworkUserID
	default:
		nuid = c.cfg.NewID()
	}
	shouldBounce := cb.Enabled && !fromRequest && !alreadyBouncing && !post && !redirect
	doNotTrack := c.doNotTrack(cookies)

	if !doNotTrack && !shouldBounce {
		p := &Payload{
			Schema:        PayloadSchema,
			IPAddress:     clientIP(r, anonymous),
			Timestamp:     now,
			Encoding:      payloadEncoding,
			Collector:     c.cfg.Name,
			UserAgent:     firstHeader(r.Header, "User-Agent"),
			RefererURI:    firstHeader(r.Header, "Referer"),
			Path:          path,
			Querystring:   rawQuery,
			Body:          body,
			Headers:       storedHeaders(r, anonymous, cookies, contentType),
			ContentType:   contentType,
			Hostname:      hostname(r),
			NetworkUserID: &nuid,
		}
		// A payload received in full is committed even if the tracker hangs up meanwhile.
		if err := c.sink.Sink(context.WithoutCancel(r.Context()), p); err != nil {
			c.sinkErrors.Add(1)
			c.log.Error("collector payload not stored", "path", path, "err", err)
			addCORS(w.Header(), origins)
			writeText(w, http.StatusServiceUnavailable, "event store unavailable, try again")
			return
		}
		c.stored.Add(1)
	}

	h := w.Header()
	if cc.Enabled && !doNotTrack {
		domain := cookieDomain(cc, origins)
		switch {
		case !anonymous:
			addSetCookies(h, cc, nuid, now.Add(cc.Expiration), domain)
		case hasSP:
			addSetCookies(h, cc, "", now.Add(-cc.Expiration), domain)
		}
	}
	if !post {
		h.Set("Cache-Control", "no-cache, no-store, must-revalidate")
	}
	addCORS(h, origins)

	switch {
	case redirect:
		target, ok := c.redirectTarget(rawQuery)
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		h.Set("Location", target)
		w.WriteHeader(http.StatusFound)
	case shouldBounce:
		h.Set("Location", c.bounceLocation(r))
		w.WriteHeader(http.StatusFound)
	case post:
		writeText(w, http.StatusOK, "ok")
	default:
		writePixel(w)
	}
}

// readBody reads a POST body up to DropPayloadSize. Over the limit it answers 413; on a
// read failure 400. ok is false when it answered.
func (c *Collector) readBody(w http.ResponseWriter, r *http.Request) (b []byte, ok bool) {
	limit := c.cfg.DropPayloadSize
	if r.ContentLength > limit {
		c.tooLarge(w, r, r.ContentLength)
		return nil, false
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		if mbe, ok := errors.AsType[*http.MaxBytesError](err); ok {
			c.tooLarge(w, r, mbe.Limit+1)
			return nil, false
		}
		c.log.Debug("tracking request body unreadable", "path", r.URL.Path, "err", err)
		writeText(w, http.StatusBadRequest, "request body could not be read")
		return nil, false
	}
	return b, true
}

// tooLarge answers 413 for a body of (at least) size bytes and counts it.
func (c *Collector) tooLarge(w http.ResponseWriter, r *http.Request, size int64) {
	c.oversized.Add(1)
	c.log.Warn("tracking request dropped: body over dropPayloadSize",
		"path", r.URL.Path, "size", size, "dropPayloadSize", c.cfg.DropPayloadSize)
	writeText(w, http.StatusRequestEntityTooLarge, "Payload Too Large")
}

// doNotTrack reports whether the request carries a do-not-track cookie whose value fully
// matches the configured regex.
func (c *Collector) doNotTrack(cookies requestCookies) bool {
	if c.dnt == nil {
		return false
	}
	v, ok := cookies.get(c.cfg.DoNotTrackCookie.Name)
	return ok && c.dnt.MatchString(v)
}
