package runs

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/plowbox/plowbox/store"
)

// settingPrefix keys the runs kept in the store's settings.
const settingPrefix = "runs/"

// Run is a test run.
type Run struct {
	ID      string     `json:"id"`
	Started time.Time  `json:"started"`
	Ended   *time.Time `json:"ended"`
	Active  bool       `json:"active"`
}

// Settings is where runs are kept: the store's settings.
type Settings interface {
	ViewSettings(fn func(store.SettingsTx) error) error
	PutSetting(key string, value []byte) error
}

// Registry keeps the runs plowbox knows of (started through the API or named by
// traffic) and the active one. It is safe for concurrent use.
type Registry struct {
	st  Settings
	now func() time.Time

	mu     sync.Mutex
	runs   map[string]*Run
	active string
}

// NewRegistry loads the runs kept in st.
func NewRegistry(st Settings, now func() time.Time) (*Registry, error) {
	if now == nil {
		now = time.Now
	}
	r := &Registry{st: st, now: now, runs: map[string]*Run{}}
	err := st.ViewSettings(func(tx store.SettingsTx) error {
		return tx.List(settingPrefix, func(key string, v []byte) error {
			var run Run
			if err := json.Unmarshal(v, &run); err != nil {
				return fmt.Errorf("run %s: %w", strings.TrimPrefix(key, settingPrefix), err)
			}
			r.runs[run.ID] = &run
			if run.Active {
				r.active = run.ID
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("load runs: %w", err)
	}
	return r, nil
}

// put persists run; the caller holds mu.
func (r *Registry) put(run *Run) error {
	b, _ := json.Marshal(run)
	if err := r.st.PutSetting(settingPrefix+run.ID, b); err != nil {
		return fmt.Errorf("keep run %s: %w", run.ID, err)
	}
	return nil
}

// Active returns the active run, "" for none.
func (r *Registry) Active() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.active
}

// Start makes id (a generated id when "") the active run, ending the previous one.
func (r *Registry) Start(id string) (Run, error) {
	if id == "" {
		id = NewID()
	}
	if !ValidID(id) {
		return Run{}, ErrInvalidID
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now().UTC()
	if prev := r.runs[r.active]; prev != nil && prev.ID != id {
		prev.Active, prev.Ended = false, &now
		if err := r.put(prev); err != nil {
			return Run{}, err
		}
	}
	run := r.runs[id]
	if run == nil {
		run = &Run{ID: id, Started: now}
		r.runs[id] = run
	}
	run.Active, run.Ended = true, nil
	r.active = id
	return *run, r.put(run)
}

// End ends run id; ok is false when it is unknown.
func (r *Registry) End(id string) (run Run, ok bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.runs[id]
	if p == nil {
		return Run{}, false, nil
	}
	if p.Ended == nil {
		now := r.now().UTC()
		p.Ended = &now
	}
	p.Active = false
	if r.active == id {
		r.active = ""
	}
	return *p, true, r.put(p)
}

// Seen registers a run named by traffic, the first time only.
func (r *Registry) Seen(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.runs[id] != nil {
		return
	}
	run := &Run{ID: id, Started: r.now().UTC()}
	r.runs[id] = run
	_ = r.put(run) // a run that could not be kept is still known until restart
}

// Get returns run id.
func (r *Registry) Get(id string) (Run, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p := r.runs[id]; p != nil {
		return *p, true
	}
	return Run{}, false
}

// List returns every run, newest first.
func (r *Registry) List() []Run {
	r.mu.Lock()
	out := make([]Run, 0, len(r.runs))
	for _, p := range r.runs {
		out = append(out, *p)
	}
	r.mu.Unlock()
	slices.SortFunc(out, func(a, b Run) int {
		if c := b.Started.Compare(a.Started); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}
