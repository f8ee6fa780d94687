package iglu

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/plowbox/plowbox/enrich/badrows"
)

// Class is the kind of a repository, which decides lookup order: embedded (local)
// repositories are tried before HTTP ones, and last-resort ones after both.
type Class uint8

// Repository classes.
const (
	ClassEmbedded   Class = iota // local: a directory, the built-in registry, memory
	ClassHTTP                    // a static registry or an Iglu Server over HTTP
	ClassLastResort              // local, tried only when no other repository has the schema
)

// Repository is one place schemas are looked up in. Implementations must be safe for
// concurrent use and must honour ctx's deadline.
type Repository interface {
	// Name is the repository name shown in lookup histories.
	Name() string
	// Priority orders repositories of the same class; lower is tried first.
	Priority() int
	// VendorPrefixes lists the vendor prefixes this repository is preferred for.
	VendorPrefixes() []string
	// Class is embedded or HTTP.
	Class() Class
	// Lookup returns the schema document for key. Its error is ErrNotFound (or wraps
	// it) when the repository does not hold key, a *LookupError of kind ClientFailure
	// for a bad response or schema, and anything else counts as a RepoFailure.
	Lookup(ctx context.Context, key SchemaKey) ([]byte, error)
}

// ErrorKind classifies a failed repository lookup.
type ErrorKind uint8

// Repository lookup outcomes other than found (iglu.md §5).
const (
	NotFound      ErrorKind = iota // the repository does not hold the schema
	RepoFailure                    // a server or network error; retried on later lookups
	ClientFailure                  // a bad response or a bad schema
)

// String returns the name used in lookup histories: "NotFound", "RepoFailure" or
// "ClientFailure".
func (k ErrorKind) String() string {
	switch k {
	case NotFound:
		return "NotFound"
	case ClientFailure:
		return "ClientFailure"
	default:
		return "RepoFailure"
	}
}

// LookupError is a classified repository lookup failure.
type LookupError struct {
	Kind    ErrorKind
	Message string
	Err     error // the underlying cause, if any
}

// Error implements error.
func (e *LookupError) Error() string {
	if e.Message == "" {
		return e.Kind.String()
	}
	return e.Kind.String() + ": " + e.Message
}

// Unwrap returns the underlying cause.
func (e *LookupError) Unwrap() error { return e.Err }

// Is makes every NotFound LookupError match ErrNotFound.
func (e *LookupError) Is(target error) bool {
	t, ok := target.(*LookupError)
	return ok && t == ErrNotFound && e.Kind == NotFound
}

// ErrNotFound is returned (or wrapped) by repositories that do not hold a schema.
var ErrNotFound = &LookupError{Kind: NotFound}

// repoFailure builds a RepoFailure LookupError.
func repoFailure(err error, format string, args ...any) *LookupError {
	return &LookupError{Kind: RepoFailure, Message: fmt.Sprintf(format, args...), Err: err}
}

// clientFailure builds a ClientFailure LookupError.
func clientFailure(err error, format string, args ...any) *LookupError {
	return &LookupError{Kind: ClientFailure, Message: fmt.Sprintf(format, args...), Err: err}
}

// maxRegistryMessage is the bad-row schema's cap on a repository error message.
const maxRegistryMessage = 256

// registryError classifies err as the repository error of a lookup history.
func registryError(err error) badrows.RegistryError {
	if errors.Is(err, ErrNotFound) {
		return badrows.RegistryError{Error: NotFound.String()}
	}
	kind, msg := RepoFailure, err.Error()
	var le *LookupError
	if errors.As(err, &le) {
		kind, msg = le.Kind, le.Message
		if msg == "" && le.Err != nil {
			msg = le.Err.Error()
		}
	}
	return badrows.RegistryError{Error: kind.String(), Message: truncate(msg, maxRegistryMessage)}
}

// truncate cuts s to at most n characters, marking a cut with a trailing "…".
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	var b strings.Builder
	i := 0
	for _, r := range s {
		if i == n-1 {
			break
		}
		b.WriteRune(r)
		i++
	}
	b.WriteString("…")
	return b.String()
}
