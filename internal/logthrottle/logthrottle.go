// Package logthrottle keeps a repeated warning or error from flooding the log: a slog
// handler that passes the first record of each message, then at most one per interval,
// with the number of records it dropped in between. A full disk refusing every request
// thus logs a line every few seconds, not two per request.
package logthrottle

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Handler wraps a slog.Handler, throttling records at Warn level and above by message.
// Records below Warn pass untouched.
type Handler struct {
	next  slog.Handler
	state *state
}

// state is shared by a Handler and those derived from it with WithAttrs and WithGroup.
type state struct {
	every time.Duration
	now   func() time.Time
	mu    sync.Mutex
	seen  map[key]*entry
}

type key struct {
	level slog.Level
	msg   string
}

type entry struct {
	last       time.Time // when a record was last passed
	suppressed int       // records dropped since
}

// maxKeys bounds the messages remembered; past it the table starts over, which at worst
// lets one more record of each message through.
const maxKeys = 1024

// New returns a handler passing to next at most one record per message and level every
// interval (Warn and above).
func New(next slog.Handler, every time.Duration) *Handler {
	return &Handler{next: next, state: &state{every: every, now: time.Now, seen: map[key]*entry{}}}
}

// Enabled implements slog.Handler.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// Handle implements slog.Handler: it drops r when a record of the same level and message
// passed less than the interval ago, and adds suppressed=N to the next one that passes.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelWarn {
		return h.next.Handle(ctx, r)
	}
	n, ok := h.state.admit(key{r.Level, r.Message})
	if !ok {
		return nil
	}
	if n > 0 {
		r = r.Clone()
		r.AddAttrs(slog.Int("suppressed", n))
	}
	return h.next.Handle(ctx, r)
}

// admit reports whether a record of k may pass now, and how many were dropped before it.
func (s *state) admit(k key) (suppressed int, ok bool) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.seen[k]
	if e == nil {
		if len(s.seen) >= maxKeys {
			clear(s.seen)
		}
		s.seen[k] = &entry{last: now}
		return 0, true
	}
	if now.Sub(e.last) < s.every {
		e.suppressed++
		return 0, false
	}
	n := e.suppressed
	e.last, e.suppressed = now, 0
	return n, true
}

// WithAttrs implements slog.Handler; the result shares the throttle.
func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler {
	return &Handler{next: h.next.WithAttrs(as), state: h.state}
}

// WithGroup implements slog.Handler; the result shares the throttle.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{next: h.next.WithGroup(name), state: h.state}
}
