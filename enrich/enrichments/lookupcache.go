package enrichments

import (
	"container/list"
	"sync"
	"time"
)

// lookupCache is the `cache {size, ttl}` of the API request and SQL query enrichments:
// at most size answers, each kept for ttl, the least recently used dropped first.
type lookupCache[V any] struct {
	mu    sync.Mutex
	size  int
	ttl   time.Duration
	now   func() time.Time
	order *list.List // of *cacheEntry[V], most recently used first
	items map[string]*list.Element
}

// cacheEntry is one cached answer.
type cacheEntry[V any] struct {
	key     string
	value   V
	expires time.Time
}

// newLookupCache returns a cache of size entries kept for ttl; size 0 disables it.
func newLookupCache[V any](size int, ttl time.Duration) *lookupCache[V] {
	return &lookupCache[V]{size: size, ttl: ttl, now: time.Now, order: list.New(), items: map[string]*list.Element{}}
}

// get returns the unexpired answer cached for key.
func (c *lookupCache[V]) get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var zero V
	el, ok := c.items[key]
	if !ok {
		return zero, false
	}
	ent := el.Value.(*cacheEntry[V])
	if !c.now().Before(ent.expires) {
		c.order.Remove(el)
		delete(c.items, key)
		return zero, false
	}
	c.order.MoveToFront(el)
	return ent.value, true
}

// put caches an answer for key.
func (c *lookupCache[V]) put(key string, v V) {
	if c.size <= 0 || c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	exp := c.now().Add(c.ttl)
	if el, ok := c.items[key]; ok {
		ent := el.Value.(*cacheEntry[V])
		ent.value, ent.expires = v, exp
		c.order.MoveToFront(el)
		return
	}
	c.items[key] = c.order.PushFront(&cacheEntry[V]{key: key, value: v, expires: exp})
	for c.order.Len() > c.size {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*cacheEntry[V]).key)
	}
}

// cacheParams is the `cache` parameter.
type cacheParams struct {
	Size *int `json:"size"`
	TTL  *int `json:"ttl"`
}

// build checks the cache parameter (ttl in seconds, at most a day) and makes the cache.
func buildCache[V any](p *cacheParams) (*lookupCache[V], error) {
	if p == nil || p.Size == nil || p.TTL == nil {
		return nil, fieldErr("cache", "needs size and ttl")
	}
	if *p.Size < 0 {
		return nil, fieldErr("cache.size", "must not be negative")
	}
	if *p.TTL < 0 || *p.TTL > 86400 {
		return nil, fieldErr("cache.ttl", "must be 0 to 86400 seconds, not %d", *p.TTL)
	}
	return newLookupCache[V](*p.Size, time.Duration(*p.TTL)*time.Second), nil
}
