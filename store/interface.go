package store

import (
	"context"
	"time"

	"github.com/plowbox/plowbox/enrich"
)

// The store's contracts. *Store implements every interface below; all their methods are
// safe for concurrent use. The store is an append-only log of records: each record gets
// the next sequence number when it is committed, sequences only increase (across Reset
// too), and records leave the log only by deletion (retention, replays, Reset), which is
// announced to every follower. Followers (the search index, sinks, relays) read the log
// from a cursor of their own and never touch the write path.

// Appender adds records to the log.
type Appender interface {
	// WriteSeq stores every output of r durably, in order, and returns once it is on
	// disk, with the sequence of the first record (0 when r has no outputs). A nil error
	// means the records are committed and every reader of the store sees them.
	WriteSeq(ctx context.Context, r *enrich.Result) (first uint64, err error)
	// Write is WriteSeq without the sequence.
	Write(ctx context.Context, r *enrich.Result) error
	// Reset deletes every record, after the writes queued before it, and bumps the
	// generation.
	Reset() error
}

// Log is the log as followers read it.
type Log interface {
	// Since calls fn for each record with a sequence above after, oldest first, until fn
	// returns false. Records deleted meanwhile are skipped.
	Since(after uint64, fn func(*Record) bool) error
	// LastSeq is the sequence of the newest committed record, 0 when none was written.
	LastSeq() uint64
	// FirstSeq is the sequence of the oldest stored record (LastSeq()+1 when none):
	// every record below it is deleted.
	FirstSeq() uint64
	// Generation is the number of Resets ever committed: a follower that keeps a copy
	// starts over when it changes.
	Generation() uint64
	// Changed returns a channel closed at the next commit; take a new one after each
	// wake-up.
	Changed() <-chan struct{}
	// OnDelete subscribes fn to deletions: after each commit that deleted records out
	// of a follower's sight (retention, replays), fn gets their sequences, ascending,
	// before the call that deleted them returns. fn runs on the writer goroutine: it
	// must be quick (note the sequences, do the work elsewhere). Reset is not reported:
	// followers watch Generation. cancel ends the subscription.
	OnDelete(fn func(seqs []uint64)) (cancel func())
}

// Reader reads records by sequence, by kind and by event_id.
type Reader interface {
	// Get returns the record with sequence seq; ok is false when there is none.
	Get(seq uint64) (rec *Record, ok bool, err error)
	// Good, Bad and Events call fn for the records of one kind, newest first.
	Good(fn func(*Record) bool) error
	Bad(fn func(*Record) bool) error
	Events(fn func(*Record) bool) error
	// EventRecords lists the sequences of the records of one event_id, oldest first,
	// from a listing kept on the write path.
	EventRecords(id string, limit int) ([]uint64, error)
	// Counts returns the record counts, including every write that has returned.
	Counts() Counts
}

// Follower is anything that reads the log from a persisted cursor: the search index,
// a sink, a relay. Attach it with Store.Follow so that its lag is known and, when it
// asks, writes slow down while it is too far behind.
type Follower interface {
	// Name identifies the follower in metrics, status and the cursors bucket.
	Name() string
	// Position is the sequence up to which the follower has handled the log.
	Position() uint64
	// Progress returns a channel closed when Position next advances.
	Progress() <-chan struct{}
}

// Cursors persist followers' positions in the store, beside the records. A follower that
// keeps its position elsewhere (the search index keeps it in its own files, with the
// documents it describes) need not use them.
type Cursors interface {
	// Cursor returns the position saved under name; 0 when none was saved.
	Cursor(name string) (uint64, error)
	// SaveCursor durably saves the position of follower name.
	SaveCursor(name string, seq uint64) error
}

// FollowerLag is one follower's position and how far it is behind the log.
type FollowerLag struct {
	Name     string
	Position uint64
	Lag      uint64 // committed records above Position
}

// Settings holds plowbox's runtime configuration (users, tokens, sessions, registries).
type Settings interface {
	ViewSettings(fn func(SettingsTx) error) error
	UpdateSettings(fn func(SettingsTx) error) error
	GetSetting(key string) (value []byte, ok bool, err error)
	PutSetting(key string, value []byte) error
}

// Schemas holds the built-in Iglu registry and the copies of schemas resolved over the
// network.
type Schemas interface {
	PutSchema(key string, body []byte, public bool) (created bool, err error)
	GetSchema(key string) (body []byte, meta SchemaMeta, ok bool, err error)
	DeleteSchema(key string) (deleted bool, err error)
	ListSchemas(prefix string) ([]SchemaEntry, error)
	KeepResolved(key string, body []byte) error
	GetResolved(key string) (body []byte, ok bool, err error)
}

// Interface is the whole store as the rest of plowbox uses it.
type Interface interface {
	Appender
	Log
	Reader
	Cursors
	Settings
	Schemas
	// Followers returns the position and lag of each attached follower.
	Followers() []FollowerLag
	// Healthy returns nil when the store accepts writes.
	Healthy() error
	// Oldest returns the collector timestamp of the oldest stored payload.
	Oldest() (t time.Time, ok bool, err error)
}

var _ Interface = (*Store)(nil)
