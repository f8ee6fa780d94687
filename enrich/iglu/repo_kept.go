package iglu

import (
	"context"
	"errors"
	"log/slog"
)

// KeptCopies holds the schemas earlier lookups found over the network, by their path
// (vendor/name/format/version), such as plowbox's store.
type KeptCopies interface {
	GetResolved(path string) (body []byte, ok bool, err error)
}

// KeptFallback is an HTTP repository that, when it fails (unreachable, timeout, bad
// answer), answers with the copy of the schema kept from an earlier lookup over the
// network, so that a box that has seen a schema once keeps validating it offline. A
// NotFound answer is never overridden.
type KeptFallback struct {
	Repository
	kept KeptCopies
	log  *slog.Logger
}

// WithKeptCopies wraps repo so that its failures are answered from kept.
func WithKeptCopies(repo Repository, kept KeptCopies, log *slog.Logger) *KeptFallback {
	return &KeptFallback{Repository: repo, kept: kept, log: log}
}

// URI is the wrapped repository's URI, or "" when it has none.
func (k *KeptFallback) URI() string {
	if u, ok := k.Repository.(interface{ URI() string }); ok {
		return u.URI()
	}
	return ""
}

// Lookup implements Repository.
func (k *KeptFallback) Lookup(ctx context.Context, key SchemaKey) ([]byte, error) {
	body, err := k.Repository.Lookup(ctx, key)
	if err == nil || errors.Is(err, ErrNotFound) {
		return body, err
	}
	kept, ok, kerr := k.kept.GetResolved(key.Path())
	if kerr != nil || !ok {
		return nil, err
	}
	k.log.Warn("iglu repository failed; validating with the copy kept from an earlier lookup",
		"repository", k.Name(), "schema", key.String(), "err", err)
	return kept, nil
}
