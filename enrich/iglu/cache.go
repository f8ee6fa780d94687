package iglu

import (
	"container/list"
	"sync"
	"time"
)

// lruCache is a size-bounded LRU of lookup results with an optional time to live.
// A size of 0 disables caching.
type lruCache struct {
	mu    sync.Mutex
	size  int
	ttl   time.Duration // 0: entries never expire
	ll    *list.List    // front is most recently used; values are *cacheItem
	items map[SchemaKey]*list.Element
}

// cacheItem is one cached lookup result.
type cacheItem struct {
	key    SchemaKey
	value  *lookupResult
	stored time.Time
}

// newLRUCache returns a cache of size entries whose entries expire after ttl (never
// when ttl is 0).
func newLRUCache(size int, ttl time.Duration) *lruCache {
	return &lruCache{size: max(size, 0), ttl: ttl, ll: list.New(), items: map[SchemaKey]*list.Element{}}
}

// get returns the live entry for key, dropping it if it has expired by now.
func (c *lruCache) get(key SchemaKey, now time.Time) (*lookupResult, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return nil, false
	}
	it := el.Value.(*cacheItem)
	if c.ttl > 0 && now.Sub(it.stored) >= c.ttl {
		c.ll.Remove(el)
		delete(c.items, key)
		return nil, false
	}
	c.ll.MoveToFront(el)
	return it.value, true
}

// put stores value for key at time now, evicting the least recently used entry when
// the cache is full.
func (c *lruCache) put(key SchemaKey, value *lookupResult, now time.Time) {
	if c.size == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		el.Value = &cacheItem{key: key, value: value, stored: now}
		c.ll.MoveToFront(el)
		return
	}
	c.items[key] = c.ll.PushFront(&cacheItem{key: key, value: value, stored: now})
	for c.ll.Len() > c.size {
		last := c.ll.Back()
		c.ll.Remove(last)
		delete(c.items, last.Value.(*cacheItem).key)
	}
}

// remove drops key.
func (c *lruCache) remove(key SchemaKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.ll.Remove(el)
		delete(c.items, key)
	}
}

// flush drops every entry.
func (c *lruCache) flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ll.Init()
	clear(c.items)
}

// len returns the number of entries, expired ones included.
func (c *lruCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}
