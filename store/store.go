// Package store keeps plowbox's data durably: collector payloads, enriched events and bad
// rows in bbolt, written with group commit so that a write returns only once it is on disk.
package store

import (
	"context"
	"errors"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

// Record is one stored output of the pipeline, with the payload it came from.
type Record struct {
	Seq     uint64 // arrival order, unique, increasing
	Stage   enrich.Stage
	Payload *collector.Payload
	Raw     *event.RawEvent // nil for payload-level failures
	Event   *event.Event    // good or incomplete event; nil for payload-level failures
	BadRow  []byte          // nil for good events
}

// Counts are the numbers of stored records by kind.
type Counts struct {
	Good       int // good events
	Bad        int // bad rows (every non-good record)
	Incomplete int // incomplete events (bad rows of the validation stage)
}

// Options configures a Store.
type Options struct {
	// NoSync skips fsync; for benchmarks of everything but the disk only.
	NoSync bool
}

// Store is plowbox's embedded event store.
type Store struct{}

// ErrClosed is returned by writes after Close.
var ErrClosed = errors.New("store closed")

// Open opens (creating if needed) the store in directory dir.
func Open(dir string, opts Options) (*Store, error) { panic("TODO") }

// Close waits for pending writes and closes the store.
func (s *Store) Close() error { panic("TODO") }

// Write stores every output of r durably, in order, and returns once it is fsynced.
// Concurrent writes are committed together (group commit).
func (s *Store) Write(ctx context.Context, r *enrich.Result) error { panic("TODO") }

// Counts returns the record counts.
func (s *Store) Counts() Counts { panic("TODO") }

// Good calls fn for each good event, newest first, until fn returns false.
func (s *Store) Good(fn func(*Record) bool) error { panic("TODO") }

// Bad calls fn for each bad row, newest first, until fn returns false.
func (s *Store) Bad(fn func(*Record) bool) error { panic("TODO") }

// Events calls fn for each good or incomplete event, newest first, until fn returns false.
func (s *Store) Events(fn func(*Record) bool) error { panic("TODO") }

// Reset deletes every payload, event and bad row.
func (s *Store) Reset() error { panic("TODO") }

// Healthy returns nil when the store accepts writes.
func (s *Store) Healthy() error { panic("TODO") }
