// Package runs scopes records to test runs: a collector path prefix /run/{id}/, the
// X-Plowbox-Run header, or the active run started through the API tags every payload
// that arrives, and the tag is kept with each record it produced.
package runs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Header names the run of a collector request.
const Header = "X-Plowbox-Run"

// Prefix is the collector path prefix that names a run: /run/{id}/i, /run/{id}/com.snowplowanalytics.snowplow/tp2.
const Prefix = "/run/"

// Sources of a run tag.
const (
	SourcePrefix = "prefix"
	SourceHeader = "header"
	SourceActive = "active"
)

// ValidID reports whether id is a run id: 1–64 characters of [A-Za-z0-9._-].
func ValidID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// ErrInvalidID is a run id that ValidID refuses.
var ErrInvalidID = errors.New("a run id is 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'")

// NewID returns a generated run id.
func NewID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "run-" + hex.EncodeToString(b[:])
}

// Tag is the run a collector request names.
type Tag struct {
	ID      string // the run; "" when Invalid is set
	Invalid string // a run id given in the prefix or header that is not valid
	Source  string // SourcePrefix, SourceHeader or SourceActive
}

type ctxKey struct{}

// WithTag returns ctx carrying t.
func WithTag(ctx context.Context, t Tag) context.Context { return context.WithValue(ctx, ctxKey{}, t) }

// FromContext returns the tag ctx carries.
func FromContext(ctx context.Context) (Tag, bool) {
	t, ok := ctx.Value(ctxKey{}).(Tag)
	return t, ok
}

// Error is the message of a bad run id in a prefix or header, for the bad row.
func (t Tag) Error() string {
	return fmt.Sprintf("run id %q (from the %s): %v", t.Invalid, t.Source, ErrInvalidID)
}

// Handler tags each collector request with its run and strips the path prefix, so that
// the collector records the path it would have without it. active returns the active
// run ("" for none); seen, when set, is told of every valid run a request names. A
// request whose context already carries a tag (an import) keeps it.
func Handler(next http.Handler, active func() string, seen func(id string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if t, ok := FromContext(r.Context()); ok {
			if t.ID != "" && seen != nil {
				seen(t.ID)
			}
			next.ServeHTTP(w, r)
			return
		}
		var t Tag
		if rest, ok := strings.CutPrefix(r.URL.EscapedPath(), Prefix); ok {
			rawID, tail, _ := strings.Cut(rest, "/")
			id, err := url.PathUnescape(rawID)
			if err != nil {
				id = rawID
			}
			t = tagOf(id, SourcePrefix)
			r = withPath(r, "/"+tail)
		} else if h := r.Header.Get(Header); h != "" {
			t = tagOf(h, SourceHeader)
		} else if a := active(); a != "" {
			t = Tag{ID: a, Source: SourceActive}
		}
		if t.ID != "" && seen != nil {
			seen(t.ID)
		}
		if t.ID != "" || t.Invalid != "" {
			r = r.WithContext(WithTag(r.Context(), t))
		}
		next.ServeHTTP(w, r)
	})
}

func tagOf(id, source string) Tag {
	if ValidID(id) {
		return Tag{ID: id, Source: source}
	}
	return Tag{Invalid: id, Source: source}
}

// withPath returns a copy of r addressed to escaped, an escaped path.
func withPath(r *http.Request, escaped string) *http.Request {
	r2 := r.Clone(r.Context())
	u := *r.URL
	if p, err := url.Parse(escaped); err == nil && p.Path != "" {
		u.Path, u.RawPath = p.Path, p.RawPath
	} else {
		u.Path, u.RawPath = escaped, ""
	}
	r2.URL = &u
	r2.RequestURI = u.RequestURI()
	return r2
}
