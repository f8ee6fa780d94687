package iglu

import (
	"context"
	"sync"
)

// LookupFunc looks a schema up; it follows the error contract of Repository.Lookup.
type LookupFunc func(ctx context.Context, key SchemaKey) ([]byte, error)

// FuncRepository is a repository backed by a function, e.g. plowbox's built-in
// registry reading from bbolt.
type FuncRepository struct {
	RepoName     string
	RepoPriority int
	Prefixes     []string
	RepoClass    Class
	Func         LookupFunc
}

// Name implements Repository.
func (r *FuncRepository) Name() string { return r.RepoName }

// Priority implements Repository.
func (r *FuncRepository) Priority() int { return r.RepoPriority }

// VendorPrefixes implements Repository.
func (r *FuncRepository) VendorPrefixes() []string { return r.Prefixes }

// Class implements Repository.
func (r *FuncRepository) Class() Class { return r.RepoClass }

// Lookup implements Repository.
func (r *FuncRepository) Lookup(ctx context.Context, key SchemaKey) ([]byte, error) {
	return r.Func(ctx, key)
}

// MemoryRepository is an embedded-class repository holding schemas in memory.
type MemoryRepository struct {
	name    string
	mu      sync.RWMutex
	schemas map[SchemaKey][]byte
}

// NewMemoryRepository returns an empty in-memory repository called name.
func NewMemoryRepository(name string) *MemoryRepository {
	return &MemoryRepository{name: name, schemas: map[SchemaKey][]byte{}}
}

// Put stores schema under key, replacing any previous one. The caller must also
// invalidate key in the resolvers that use this repository.
func (r *MemoryRepository) Put(key SchemaKey, schema []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.schemas[key] = schema
}

// Delete removes key.
func (r *MemoryRepository) Delete(key SchemaKey) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.schemas, key)
}

// Name implements Repository.
func (r *MemoryRepository) Name() string { return r.name }

// Priority implements Repository.
func (r *MemoryRepository) Priority() int { return 0 }

// VendorPrefixes implements Repository.
func (r *MemoryRepository) VendorPrefixes() []string { return nil }

// Class implements Repository.
func (r *MemoryRepository) Class() Class { return ClassEmbedded }

// Lookup implements Repository.
func (r *MemoryRepository) Lookup(_ context.Context, key SchemaKey) ([]byte, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if s, ok := r.schemas[key]; ok {
		return s, nil
	}
	return nil, ErrNotFound
}
