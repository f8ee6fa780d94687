package users

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"sync"

	"github.com/plowbox/plowbox/store"
)

// memorySettings is a SettingsStore kept in memory, for tests and for users given only
// on the command line. A failing update leaves it unchanged, as the store does.
type memorySettings struct {
	mu sync.RWMutex
	m  map[string][]byte
}

// NewMemorySettings returns an empty in-memory SettingsStore.
func NewMemorySettings() SettingsStore { return &memorySettings{m: map[string][]byte{}} }

func (s *memorySettings) ViewSettings(fn func(store.SettingsTx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return fn(&memTx{m: s.m, readOnly: true})
}

func (s *memorySettings) UpdateSettings(fn func(store.SettingsTx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	work := make(map[string][]byte, len(s.m))
	for k, v := range s.m {
		work[k] = v
	}
	if err := fn(&memTx{m: work}); err != nil {
		return err
	}
	s.m = work
	return nil
}

type memTx struct {
	m        map[string][]byte
	readOnly bool
}

var errReadOnly = errors.New("read-only settings transaction")

func (t *memTx) Get(key string) []byte { return t.m[key] }

func (t *memTx) Put(key string, value []byte) error {
	if t.readOnly {
		return errReadOnly
	}
	t.m[key] = bytes.Clone(value)
	return nil
}

func (t *memTx) Delete(key string) error {
	if t.readOnly {
		return errReadOnly
	}
	delete(t.m, key)
	return nil
}

func (t *memTx) List(prefix string, fn func(string, []byte) error) error {
	var keys []string
	for k := range t.m {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := fn(k, t.m[k]); err != nil {
			return err
		}
	}
	return nil
}
