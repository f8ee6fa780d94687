// Package snapshot is the copy of Iglu Central built into plowbox, so that Snowplow's
// standard schemas resolve on a machine without internet access. Its schemas are
// Apache-2.0 (LICENSE beside this file); the tarball is written by go generate from a
// checkout of snowplow/iglu-central.
package snapshot

import (
	"context"
	_ "embed"
	"fmt"
	"sync"

	"github.com/plowbox/plowbox/enrich/iglu"
	"github.com/plowbox/plowbox/enrich/iglu/snapshot/internal/tarball"
)

//go:embed iglu-central.tar.zst
var compressed []byte

// ConnectionPath is the embedded-repository path by which a resolver configuration
// names the snapshot: {"connection":{"embedded":{"path":"plowbox:iglu-central"}}}.
const ConnectionPath = "plowbox:iglu-central"

// Info says what the snapshot holds.
type Info struct {
	Source  string // the repository, "snowplow/iglu-central"
	Commit  string // the commit it was taken at
	Date    string // that commit's date, YYYY-MM-DD
	Schemas int    // the number of schemas
	Size    int    // the compressed size in bytes
}

// Snapshot is the unpacked snapshot. It is unpacked on first use, so that a plowbox
// that never needs it never pays for it.
type Snapshot struct {
	once  sync.Once
	info  Info
	files map[string][]byte // "schemas/<vendor>/<name>/<format>/<version>"
	err   error
}

// New returns the built-in snapshot, not yet unpacked.
func New() *Snapshot { return &Snapshot{} }

// load unpacks the snapshot once.
func (s *Snapshot) load() error {
	s.once.Do(func() {
		m, files, err := tarball.Read(compressed)
		if err != nil {
			s.err = fmt.Errorf("built-in Iglu Central snapshot: %w", err)
			return
		}
		s.info = Info{Source: m.Source, Commit: m.Commit, Date: m.Date, Schemas: m.Schemas, Size: len(compressed)}
		s.files = files
	})
	return s.err
}

// Info returns what the snapshot holds.
func (s *Snapshot) Info() (Info, error) {
	err := s.load()
	return s.info, err
}

// Schema returns the schema document of key, and false when the snapshot does not
// hold it.
func (s *Snapshot) Schema(key iglu.SchemaKey) ([]byte, bool, error) {
	if err := s.load(); err != nil {
		return nil, false, err
	}
	body, ok := s.files["schemas/"+key.Path()]
	return body, ok, nil
}

// Repository returns the snapshot as an Iglu repository called name. class decides
// where the resolver tries it: iglu.ClassEmbedded among the local repositories, before
// any HTTP one, or iglu.ClassLastResort after every other repository.
func (s *Snapshot) Repository(name string, priority int, class iglu.Class) *Repository {
	return &Repository{FuncRepository: iglu.FuncRepository{
		RepoName: name, RepoPriority: priority, Prefixes: []string{}, RepoClass: class,
		Func: func(ctx context.Context, key iglu.SchemaKey) ([]byte, error) {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			body, ok, err := s.Schema(key)
			switch {
			case err != nil:
				return nil, err
			case !ok:
				return nil, iglu.ErrNotFound
			}
			return body, nil
		},
	}, snap: s}
}

// Repository is the snapshot as an Iglu repository.
type Repository struct {
	iglu.FuncRepository
	snap *Snapshot
}

// Snapshot returns the snapshot the repository reads.
func (r *Repository) Snapshot() *Snapshot { return r.snap }
