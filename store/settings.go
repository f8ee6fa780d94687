package store

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// The settings bucket holds plowbox's runtime configuration as key → value pairs: users,
// API tokens, login sessions, registries added at run time. Keys are namespaced by a
// prefix ("user/", "token/", …) chosen by the caller. Settings survive Reset, are written
// in their own durable transactions (they are rare) and live in the same file as the
// events, so a backup or a crash keeps both consistent.

// SettingsTx reads and writes the settings bucket inside one transaction. Values
// returned by Get and passed to List's callback are valid only inside the transaction.
type SettingsTx interface {
	// Get returns the value under key, or nil when there is none.
	Get(key string) []byte
	// Put stores value under key; it fails in a read-only transaction.
	Put(key string, value []byte) error
	// Delete removes key; it fails in a read-only transaction.
	Delete(key string) error
	// List calls fn for every key starting with prefix, in key order, until fn fails.
	List(prefix string, fn func(key string, value []byte) error) error
}

// settingsTx implements SettingsTx on a bbolt bucket.
type settingsTx struct{ b *bolt.Bucket }

func (t settingsTx) Get(key string) []byte { return t.b.Get([]byte(key)) }

func (t settingsTx) Put(key string, value []byte) error {
	if key == "" || strings.ContainsRune(key, 0) {
		return fmt.Errorf("settings key %q is not allowed", key)
	}
	return t.b.Put([]byte(key), value)
}

func (t settingsTx) Delete(key string) error { return t.b.Delete([]byte(key)) }

func (t settingsTx) List(prefix string, fn func(string, []byte) error) error {
	p := []byte(prefix)
	c := t.b.Cursor()
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		if err := fn(string(k), v); err != nil {
			return err
		}
	}
	return nil
}

// ViewSettings runs fn on the settings in a read-only transaction.
func (s *Store) ViewSettings(fn func(SettingsTx) error) error {
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSettings)
		if b == nil {
			return fmt.Errorf("bucket %s is missing", bucketSettings)
		}
		return fn(settingsTx{b})
	})
	if err != nil {
		return fmt.Errorf("read settings: %w", err)
	}
	return nil
}

// UpdateSettings runs fn on the settings in one durable read-write transaction: either
// every change fn makes is on disk when UpdateSettings returns nil, or none is. An error
// of fn is returned unchanged.
func (s *Store) UpdateSettings(fn func(SettingsTx) error) error {
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		return ErrClosed
	}
	var fnErr error
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSettings)
		if b == nil {
			return fmt.Errorf("bucket %s is missing", bucketSettings)
		}
		fnErr = fn(settingsTx{b})
		return fnErr
	})
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	if err != nil && err == fnErr {
		return err // the caller's own error, as it made it
	}
	if err != nil {
		return fmt.Errorf("update settings: %w", err)
	}
	return nil
}

// GetSetting returns a copy of the value under key; ok is false when there is none.
func (s *Store) GetSetting(key string) (value []byte, ok bool, err error) {
	err = s.ViewSettings(func(tx SettingsTx) error {
		if v := tx.Get(key); v != nil {
			value, ok = bytes.Clone(v), true
		}
		return nil
	})
	return value, ok, err
}

// PutSetting stores value under key durably.
func (s *Store) PutSetting(key string, value []byte) error {
	return s.UpdateSettings(func(tx SettingsTx) error { return tx.Put(key, value) })
}
