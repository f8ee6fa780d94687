package auth

import (
	"sync"
	"time"
)

// Failed sign-ins are throttled per user name and client address: the first
// freeAttempts failures cost nothing, then each further failure locks the pair out for
// twice as long as the previous one (1 s, 2 s, 4 s, … up to maxLockout). A success
// clears the record. Wrong guesses are then answered 429 with Retry-After, so a
// password cannot be brute-forced, while a typo never locks anyone out for long.
const (
	freeAttempts = 5
	maxLockout   = 15 * time.Minute
	forgetAfter  = time.Hour // records idle this long are dropped
	maxThrottled = 10000     // records kept before idle ones are pruned
)

// throttle counts failed sign-ins per key.
type throttle struct {
	mu    sync.Mutex
	now   func() time.Time
	fails map[string]*failures
}

type failures struct {
	n     int
	until time.Time // locked out until then
	last  time.Time
}

func newThrottle(now func() time.Time) *throttle {
	return &throttle{now: now, fails: map[string]*failures{}}
}

// wait returns how long key is still locked out; 0 when it may try.
func (t *throttle) wait(key string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.fails[key]
	if f == nil {
		return 0
	}
	return max(0, f.until.Sub(t.now()))
}

// fail records a failed attempt of key.
func (t *throttle) fail(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if len(t.fails) >= maxThrottled {
		for k, f := range t.fails {
			if now.Sub(f.last) > forgetAfter {
				delete(t.fails, k)
			}
		}
	}
	f := t.fails[key]
	if f == nil {
		f = &failures{}
		t.fails[key] = f
	}
	f.n++
	f.last = now
	if f.n >= freeAttempts {
		lock := time.Second << min(f.n-freeAttempts, 20)
		f.until = now.Add(min(lock, maxLockout))
	}
}

// ok clears key's failures after a successful sign-in.
func (t *throttle) ok(key string) {
	t.mu.Lock()
	delete(t.fails, key)
	t.mu.Unlock()
}
