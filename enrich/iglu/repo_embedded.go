package iglu

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// EmbeddedRepository reads schemas from a local static registry directory:
// {path}/schemas/{vendor}/{name}/{format}/{version}, files without an extension. A
// checkout of snowplow/iglu-central and Micro's iglu-client-embedded directory both
// have this layout. A missing directory holds no schemas.
type EmbeddedRepository struct {
	name     string
	priority int
	prefixes []string
	path     string
}

// NewEmbeddedRepository returns a repository reading from the registry directory path
// (the parent of its "schemas" directory).
func NewEmbeddedRepository(name string, priority int, vendorPrefixes []string, path string) *EmbeddedRepository {
	return &EmbeddedRepository{name: name, priority: priority, prefixes: vendorPrefixes, path: path}
}

// Name implements Repository.
func (r *EmbeddedRepository) Name() string { return r.name }

// Priority implements Repository.
func (r *EmbeddedRepository) Priority() int { return r.priority }

// VendorPrefixes implements Repository.
func (r *EmbeddedRepository) VendorPrefixes() []string { return r.prefixes }

// Class implements Repository.
func (r *EmbeddedRepository) Class() Class { return ClassEmbedded }

// Path returns the registry directory.
func (r *EmbeddedRepository) Path() string { return r.path }

// Lookup implements Repository. Reads are confined to the registry directory.
func (r *EmbeddedRepository) Lookup(ctx context.Context, key SchemaKey) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, repoFailure(err, "lookup cancelled: %v", err)
	}
	if !key.Valid() {
		return nil, clientFailure(nil, "invalid schema key %s", key)
	}
	root, err := os.OpenRoot(r.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, repoFailure(err, "open registry %s: %v", r.path, err)
	}
	defer root.Close()
	name := filepath.Join("schemas", key.Vendor, key.Name, key.Format, key.Version.String())
	body, err := root.ReadFile(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, ErrNotFound
	case err != nil:
		return nil, repoFailure(err, "read %s: %v", filepath.Join(r.path, name), err)
	case !json.Valid(body):
		return nil, clientFailure(nil, "%s is not JSON", filepath.Join(r.path, name))
	}
	return body, nil
}
