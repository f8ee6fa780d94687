package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// The schemas bucket holds two key spaces, told apart by a prefix:
//
//	"r/" + vendor/name/format/M-R-A  → a schema of plowbox's built-in registry
//	"k/" + vendor/name/format/M-R-A  → a copy of a schema resolved over the network
//
// Registry values are one format byte (1), one flags byte (bit 0: public), the created
// and updated times as big-endian Unix nanoseconds, then the schema document exactly as
// it was written. Kept copies are the bare schema document.
//
// Schema writes are rare, so they use their own bbolt transactions rather than the
// group-commit queue; bbolt serialises them with the writer's commits.
var (
	prefixRegistry = []byte("r/")
	prefixKept     = []byte("k/")
)

// schemaValueFormat is the version of the encoding of registry values.
const schemaValueFormat = 1

// schemaHeader is the size of a registry value's header.
const schemaHeader = 2 + 8 + 8

// SchemaMeta is what the built-in registry knows about a schema besides its document.
type SchemaMeta struct {
	Public  bool      // readable without a key
	Created time.Time // first written
	Updated time.Time // last written
}

// SchemaEntry is one schema of the built-in registry.
type SchemaEntry struct {
	Key  string // vendor/name/format/M-R-A
	Meta SchemaMeta
	Body []byte // the schema document as written
}

// PutSchema stores body under key in the built-in registry, replacing any previous
// version, and returns whether key is new. key is the registry path
// vendor/name/format/M-R-A; the caller checks it and the document. The write is durable
// when PutSchema returns.
func (s *Store) PutSchema(key string, body []byte, public bool) (created bool, err error) {
	if err := checkSchemaKey(key); err != nil {
		return false, fmt.Errorf("put schema: %w", err)
	}
	now := time.Now().UTC()
	err = s.updateSchemas(func(b *bolt.Bucket) error {
		k := append(bytes.Clone(prefixRegistry), key...)
		meta := SchemaMeta{Public: public, Created: now, Updated: now}
		if old := b.Get(k); old != nil {
			prev, _, err := decodeSchemaValue(old)
			if err != nil {
				return fmt.Errorf("schema %s: %w", key, err)
			}
			meta.Created = prev.Created
		} else {
			created = true
		}
		return b.Put(k, encodeSchemaValue(meta, body))
	})
	if err != nil {
		return false, fmt.Errorf("put schema %s: %w", key, err)
	}
	return created, nil
}

// GetSchema returns the schema stored under key in the built-in registry; ok is false
// when there is none.
func (s *Store) GetSchema(key string) (body []byte, meta SchemaMeta, ok bool, err error) {
	err = s.viewSchemas(func(b *bolt.Bucket) error {
		v := b.Get(append(bytes.Clone(prefixRegistry), key...))
		if v == nil {
			return nil
		}
		m, doc, err := decodeSchemaValue(v)
		if err != nil {
			return err
		}
		body, meta, ok = bytes.Clone(doc), m, true
		return nil
	})
	if err != nil {
		return nil, SchemaMeta{}, false, fmt.Errorf("get schema %s: %w", key, err)
	}
	return body, meta, ok, nil
}

// DeleteSchema removes key from the built-in registry and reports whether it was there.
func (s *Store) DeleteSchema(key string) (deleted bool, err error) {
	err = s.updateSchemas(func(b *bolt.Bucket) error {
		k := append(bytes.Clone(prefixRegistry), key...)
		if b.Get(k) == nil {
			return nil
		}
		deleted = true
		return b.Delete(k)
	})
	if err != nil {
		return false, fmt.Errorf("delete schema %s: %w", key, err)
	}
	return deleted, nil
}

// ListSchemas returns the schemas of the built-in registry whose key starts with prefix,
// in key order. Pass "com.acme/" for one vendor, "com.acme/checkout/" for one schema,
// "" for all.
func (s *Store) ListSchemas(prefix string) ([]SchemaEntry, error) {
	var out []SchemaEntry
	err := s.viewSchemas(func(b *bolt.Bucket) error {
		p := append(bytes.Clone(prefixRegistry), prefix...)
		c := b.Cursor()
		for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			m, doc, err := decodeSchemaValue(v)
			if err != nil {
				return fmt.Errorf("schema %s: %w", k[len(prefixRegistry):], err)
			}
			out = append(out, SchemaEntry{Key: string(k[len(prefixRegistry):]), Meta: m, Body: bytes.Clone(doc)})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list schemas %q: %w", prefix, err)
	}
	return out, nil
}

// KeepResolved keeps a copy of a schema that was resolved over the network, so that it
// can still be validated against when the network is gone. An identical copy is not
// rewritten.
func (s *Store) KeepResolved(key string, body []byte) error {
	if err := checkSchemaKey(key); err != nil {
		return fmt.Errorf("keep resolved schema: %w", err)
	}
	k := append(bytes.Clone(prefixKept), key...)
	same := false
	if err := s.viewSchemas(func(b *bolt.Bucket) error {
		same = bytes.Equal(b.Get(k), body)
		return nil
	}); err != nil {
		return fmt.Errorf("keep resolved schema %s: %w", key, err)
	}
	if same {
		return nil
	}
	if err := s.updateSchemas(func(b *bolt.Bucket) error { return b.Put(k, body) }); err != nil {
		return fmt.Errorf("keep resolved schema %s: %w", key, err)
	}
	return nil
}

// GetResolved returns the kept copy of a schema resolved over the network; ok is false
// when there is none.
func (s *Store) GetResolved(key string) (body []byte, ok bool, err error) {
	err = s.viewSchemas(func(b *bolt.Bucket) error {
		if v := b.Get(append(bytes.Clone(prefixKept), key...)); v != nil {
			body, ok = bytes.Clone(v), true
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("get resolved schema %s: %w", key, err)
	}
	return body, ok, nil
}

// viewSchemas runs fn on the schemas bucket in a read transaction.
func (s *Store) viewSchemas(fn func(*bolt.Bucket) error) error {
	return s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSchemas)
		if b == nil {
			return fmt.Errorf("bucket %s is missing", bucketSchemas)
		}
		return fn(b)
	})
}

// updateSchemas runs fn on the schemas bucket in its own durable write transaction.
func (s *Store) updateSchemas(fn func(*bolt.Bucket) error) error {
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		return ErrClosed
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSchemas)
		if b == nil {
			return fmt.Errorf("bucket %s is missing", bucketSchemas)
		}
		return fn(b)
	})
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	return err
}

// encodeSchemaValue encodes a registry value.
func encodeSchemaValue(m SchemaMeta, body []byte) []byte {
	v := make([]byte, 0, schemaHeader+len(body))
	var flags byte
	if m.Public {
		flags |= 1
	}
	v = append(v, schemaValueFormat, flags)
	v = binary.BigEndian.AppendUint64(v, uint64(m.Created.UnixNano()))
	v = binary.BigEndian.AppendUint64(v, uint64(m.Updated.UnixNano()))
	return append(v, body...)
}

// decodeSchemaValue decodes a registry value; body aliases v.
func decodeSchemaValue(v []byte) (SchemaMeta, []byte, error) {
	if len(v) < schemaHeader || v[0] != schemaValueFormat {
		return SchemaMeta{}, nil, fmt.Errorf("registry value: %w", errCorrupt)
	}
	m := SchemaMeta{
		Public:  v[1]&1 != 0,
		Created: time.Unix(0, int64(binary.BigEndian.Uint64(v[2:10]))).UTC(),
		Updated: time.Unix(0, int64(binary.BigEndian.Uint64(v[10:18]))).UTC(),
	}
	return m, v[schemaHeader:], nil
}

// checkSchemaKey checks that key is a registry path of four non-empty parts that cannot
// escape a directory.
func checkSchemaKey(key string) error {
	parts := strings.Split(key, "/")
	if len(parts) != 4 {
		return fmt.Errorf("schema key %q: want vendor/name/format/version", key)
	}
	for _, p := range parts {
		if p == "" || p == "." || strings.Contains(p, "..") || strings.ContainsAny(p, "\\\x00") {
			return fmt.Errorf("schema key %q: part %q is not allowed", key, p)
		}
	}
	return nil
}
