// Package follow runs followers of the store's log: each one ships the records committed
// after its cursor somewhere else (a Kafka topic, an upstream collector), in order, at
// least once, and persists its cursor in the store's settings (once a second at most)
// only once the destination has acknowledged. The store is the outbox: a destination that is down grows the
// follower's lag and never blocks or fails the collector.
package follow

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/plowbox/plowbox/store"
)

// Log is what a follower reads of the store: *store.Store satisfies it. It is the subset
// of the store's log contract (Since, LastSeq, change notification, settings) that
// followers rely on.
type Log interface {
	// Since calls fn for each record with a sequence above after, oldest first, until fn
	// returns false.
	Since(after uint64, fn func(*store.Record) bool) error
	// LastSeq is the sequence of the newest committed record.
	LastSeq() uint64
	// Changed is closed at the next commit.
	Changed() <-chan struct{}
	// GetSetting and PutSetting read and durably write the follower's cursor.
	GetSetting(key string) ([]byte, bool, error)
	PutSetting(key string, value []byte) error
}

// Deliver ships recs, oldest first, and returns how many of them, from the first, the
// destination has acknowledged. When it returns n < len(recs) the error says why; the
// follower retries from recs[n] after a backoff. Records a destination has no use for
// (a good-event sink given a bad row) count as delivered.
type Deliver func(ctx context.Context, recs []*store.Record) (n int, err error)

// Options tunes a Follower; the zero value is usable.
type Options struct {
	// Batch is the most records handed to one Deliver call; 0 means 500.
	Batch int
	// MinBackoff and MaxBackoff bound the wait before a retry, which doubles after each
	// failure in a row; 0 means 100 ms and 30 s.
	MinBackoff, MaxBackoff time.Duration
	// SaveEvery is how often the cursor is written to disk when it moved; 0 means 1 s.
	// Each write is a durable bbolt transaction, which the store's writer would wait for
	// if every delivery made one. After a crash, what was delivered since the last save
	// is delivered again (at least once); a graceful stop saves the cursor.
	SaveEvery time.Duration
	// FromStart makes a follower that has no cursor yet deliver every stored record;
	// otherwise it starts after the newest record at its creation.
	FromStart bool
	// Logger receives delivery failures; nil means slog.Default().
	Logger *slog.Logger
}

// Stats are a follower's counters since it was created.
type Stats struct {
	Delivered uint64 // records acknowledged (or skipped as of no use to the destination)
	Retried   uint64 // records handed to Deliver again after a failure: an upper bound on duplicates
	Failures  uint64 // Deliver calls that returned an error
	LastError string // the last failure, "" once a delivery succeeds again
}

// Follower follows the store's log for one destination.
type Follower struct {
	name    string
	log     Log
	deliver Deliver
	opts    Options
	logger  *slog.Logger

	cursor                       atomic.Uint64 // every record up to it is delivered
	saved                        uint64        // the cursor on disk; owned by run
	delivered, retried, failures atomic.Uint64
	lastErr                      atomic.Pointer[string]
	progress                     atomic.Pointer[chan struct{}]
	runOnce                      sync.Once
}

// cursorKey is the settings key of a follower's cursor.
func cursorKey(name string) string { return "follower/" + name + "/cursor" }

// New returns the follower called name (the settings key of its cursor, so keep it
// stable), resuming from its persisted cursor.
func New(name string, log Log, deliver Deliver, opts Options) (*Follower, error) {
	if opts.Batch <= 0 {
		opts.Batch = 500
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 100 * time.Millisecond
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 30 * time.Second
	}
	if opts.SaveEvery <= 0 {
		opts.SaveEvery = time.Second
	}
	f := &Follower{name: name, log: log, deliver: deliver, opts: opts, logger: opts.Logger}
	if f.logger == nil {
		f.logger = slog.Default()
	}
	ch := make(chan struct{})
	f.progress.Store(&ch)
	v, ok, err := log.GetSetting(cursorKey(name))
	if err != nil {
		return nil, fmt.Errorf("follower %s: read cursor: %w", name, err)
	}
	switch {
	case ok && len(v) == 8:
		f.cursor.Store(binary.BigEndian.Uint64(v))
		f.saved = f.cursor.Load()
	case ok:
		return nil, fmt.Errorf("follower %s: cursor setting has %d bytes, want 8", name, len(v))
	case !opts.FromStart:
		if err := f.save(log.LastSeq()); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// Name returns the follower's name.
func (f *Follower) Name() string { return f.name }

// Cursor returns the sequence up to which every record is delivered.
func (f *Follower) Cursor() uint64 { return f.cursor.Load() }

// Hold returns the lowest sequence the follower has not delivered yet: retention keeps
// records from it on.
func (f *Follower) Hold() uint64 { return f.cursor.Load() + 1 }

// Lag returns the number of committed records past the cursor (records deleted meanwhile
// included).
func (f *Follower) Lag() uint64 {
	last, c := f.log.LastSeq(), f.cursor.Load()
	if last <= c {
		return 0
	}
	return last - c
}

// Stats returns the follower's counters.
func (f *Follower) Stats() Stats {
	s := Stats{Delivered: f.delivered.Load(), Retried: f.retried.Load(), Failures: f.failures.Load()}
	if e := f.lastErr.Load(); e != nil {
		s.LastError = *e
	}
	return s
}

// Progress returns a channel closed at the follower's next delivery or failure. Take a
// new channel after each wake-up.
func (f *Follower) Progress() <-chan struct{} { return *f.progress.Load() }

func (f *Follower) notify() {
	ch := make(chan struct{})
	close(*f.progress.Swap(&ch))
}

// save persists the cursor, then publishes it.
func (f *Follower) save(seq uint64) error {
	if err := f.log.PutSetting(cursorKey(f.name), binary.BigEndian.AppendUint64(nil, seq)); err != nil {
		return fmt.Errorf("follower %s: save cursor %d: %w", f.name, seq, err)
	}
	f.cursor.Store(seq)
	f.saved = seq
	return nil
}

// saveDue persists the cursor when it moved since the last save.
func (f *Follower) saveDue() {
	if c := f.cursor.Load(); c != f.saved {
		if err := f.save(c); err != nil {
			// Delivered but not on disk: after a restart it goes out again.
			f.logger.Error("follower", "name", f.name, "err", err)
		}
	}
}

// Run delivers records until ctx is done; it returns ctx's error. Run may be called once.
func (f *Follower) Run(ctx context.Context) error {
	err := errors.New("follow: Run called twice")
	f.runOnce.Do(func() { err = f.run(ctx) })
	return err
}

func (f *Follower) run(ctx context.Context) error {
	defer f.saveDue()
	tick := time.NewTicker(f.opts.SaveEvery)
	defer tick.Stop()
	backoff := time.Duration(0)
	var pending []*store.Record // records a failed delivery left, retried first
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		changed := f.log.Changed()
		recs := pending
		if len(recs) == 0 {
			var err error
			if recs, err = f.read(); err != nil {
				f.fail(err)
				if !sleep(ctx, f.opts.MaxBackoff) {
					return ctx.Err()
				}
				continue
			}
		}
		select {
		case <-tick.C:
			f.saveDue()
		default:
		}
		if len(recs) == 0 {
			select {
			case <-changed:
			case <-tick.C:
				f.saveDue()
			case <-ctx.Done():
				return ctx.Err()
			}
			continue
		}
		if len(pending) > 0 {
			f.retried.Add(uint64(len(pending)))
		}
		n, err := f.deliver(ctx, recs)
		n = min(max(n, 0), len(recs))
		if n > 0 {
			f.cursor.Store(recs[n-1].Seq)
			f.delivered.Add(uint64(n))
		}
		pending = recs[n:]
		if err == nil && n < len(recs) {
			err = fmt.Errorf("delivered %d of %d records", n, len(recs))
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			f.fail(err)
			backoff = min(max(2*backoff, f.opts.MinBackoff), f.opts.MaxBackoff)
			if !sleep(ctx, backoff) {
				return ctx.Err()
			}
			continue
		}
		backoff = 0
		f.lastErr.Store(nil)
		f.notify()
	}
}

// read returns the next batch of records after the cursor.
func (f *Follower) read() ([]*store.Record, error) {
	var recs []*store.Record
	err := f.log.Since(f.cursor.Load(), func(r *store.Record) bool {
		recs = append(recs, r)
		return len(recs) < f.opts.Batch
	})
	if err != nil {
		return nil, fmt.Errorf("follower %s: read the log: %w", f.name, err)
	}
	return recs, nil
}

// fail records a failed delivery.
func (f *Follower) fail(err error) {
	msg := err.Error()
	if prev := f.lastErr.Load(); prev == nil || *prev != msg {
		f.logger.Warn("follower: delivery failed; retrying", "name", f.name, "lag", f.Lag(), "err", err)
	}
	f.lastErr.Store(&msg)
	f.failures.Add(1)
	f.notify()
}

// sleep waits for d or ctx; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
