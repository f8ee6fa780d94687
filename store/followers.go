package store

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// FollowOptions configures an attached follower.
type FollowOptions struct {
	// MaxLag, when not 0, is back-pressure: a write returns only once this follower is
	// at most MaxLag records behind the log (or after MaxWait). The records are
	// committed before the wait, so a write that returns late is still durable. The
	// search index uses it to bound the tail of records queries scan beside it.
	MaxLag uint64
	// MaxWait caps each write's wait for this follower, so that a follower that stopped
	// cannot stop ingestion; 0 means 2s.
	MaxWait time.Duration
}

// BackpressureStats count the writes that waited for a follower since Open.
type BackpressureStats struct {
	Waits    uint64        // writes that waited
	TimedOut uint64        // writes that gave up waiting after MaxWait
	Waited   time.Duration // total time waited
}

// attached is one follower attached with Follow.
type attached struct {
	f    Follower
	opts FollowOptions
}

// followers is the store's registry of followers and deletion subscribers.
type followers struct {
	mu       sync.Mutex
	list     atomic.Pointer[[]*attached]            // replaced on each change
	subs     atomic.Pointer[[]*func(seqs []uint64)] // deletion subscribers, replaced on each change
	waits    atomic.Uint64
	timedOut atomic.Uint64
	waited   atomic.Int64
}

// Follow attaches f: Followers reports its lag and, with opts.MaxLag, writes wait for it.
// detach removes it.
func (s *Store) Follow(f Follower, opts FollowOptions) (detach func()) {
	if opts.MaxWait <= 0 {
		opts.MaxWait = 2 * time.Second
	}
	a := &attached{f: f, opts: opts}
	fl := &s.fol
	fl.mu.Lock()
	var list []*attached
	if p := fl.list.Load(); p != nil {
		list = slices.Clone(*p)
	}
	list = append(list, a)
	fl.list.Store(&list)
	fl.mu.Unlock()
	return func() {
		fl.mu.Lock()
		defer fl.mu.Unlock()
		list := slices.DeleteFunc(slices.Clone(*fl.list.Load()), func(x *attached) bool { return x == a })
		fl.list.Store(&list)
	}
}

// OnDelete subscribes fn to deletions (see Log.OnDelete).
func (s *Store) OnDelete(fn func(seqs []uint64)) (cancel func()) {
	p := &fn
	fl := &s.fol
	fl.mu.Lock()
	var subs []*func([]uint64)
	if cur := fl.subs.Load(); cur != nil {
		subs = slices.Clone(*cur)
	}
	subs = append(subs, p)
	fl.subs.Store(&subs)
	fl.mu.Unlock()
	return func() {
		fl.mu.Lock()
		defer fl.mu.Unlock()
		subs := slices.DeleteFunc(slices.Clone(*fl.subs.Load()), func(x *func([]uint64)) bool { return x == p })
		fl.subs.Store(&subs)
	}
}

// deleted tells every deletion subscriber about deleted records.
func (s *Store) deleted(seqs []uint64) {
	if len(seqs) == 0 {
		return
	}
	if subs := s.fol.subs.Load(); subs != nil {
		for _, fn := range *subs {
			(*fn)(seqs)
		}
	}
}

// lagOf is how many records of the log lie above pos: records below FirstSeq are gone
// and do not count.
func (s *Store) lagOf(pos uint64) uint64 {
	pos = max(pos, s.FirstSeq()-1)
	if last := s.LastSeq(); last > pos {
		return last - pos
	}
	return 0
}

// Followers returns the position and lag of each attached follower, in attach order.
func (s *Store) Followers() []FollowerLag {
	p := s.fol.list.Load()
	if p == nil {
		return nil
	}
	out := make([]FollowerLag, 0, len(*p))
	for _, a := range *p {
		pos := a.f.Position()
		out = append(out, FollowerLag{Name: a.f.Name(), Position: pos, Lag: s.lagOf(pos)})
	}
	return out
}

// BackpressureStats returns how often writes waited for followers since Open.
func (s *Store) BackpressureStats() BackpressureStats {
	return BackpressureStats{Waits: s.fol.waits.Load(), TimedOut: s.fol.timedOut.Load(), Waited: time.Duration(s.fol.waited.Load())}
}

// backpressure waits while a follower attached with MaxLag is further behind than that.
func (s *Store) backpressure() {
	p := s.fol.list.Load()
	if p == nil {
		return
	}
	var start time.Time
	for _, a := range *p {
		if a.opts.MaxLag == 0 {
			continue
		}
		var timer *time.Timer
		for {
			ch := a.f.Progress()
			if s.lagOf(a.f.Position()) <= a.opts.MaxLag {
				break
			}
			if start.IsZero() {
				start = time.Now()
				s.fol.waits.Add(1)
			}
			if timer == nil {
				timer = time.NewTimer(a.opts.MaxWait)
			}
			select {
			case <-ch:
				continue
			case <-timer.C:
				s.fol.timedOut.Add(1)
			}
			break
		}
		if timer != nil {
			timer.Stop()
		}
	}
	if !start.IsZero() {
		s.fol.waited.Add(int64(time.Since(start)))
	}
}

// Cursor returns the position saved under name by SaveCursor; 0 when none was saved.
func (s *Store) Cursor(name string) (uint64, error) {
	var seq uint64
	err := s.view(func(tx *bolt.Tx) (err error) {
		seq, err = getUint(tx.Bucket(bucketCursors), []byte(name))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: cursor %q: %w", name, err)
	}
	return seq, nil
}

// SaveCursor durably saves seq as the position of follower name. Cursors survive Reset
// (sequences keep increasing, so a cursor stays meaningful).
func (s *Store) SaveCursor(name string, seq uint64) error {
	if name == "" {
		return errors.New("store: a cursor needs a name")
	}
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		return ErrClosed
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		return putUint(tx.Bucket(bucketCursors), []byte(name), seq)
	})
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	if err != nil {
		return fmt.Errorf("store: save cursor %q: %w", name, err)
	}
	return nil
}
