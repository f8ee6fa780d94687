package store

import (
	"errors"
	"testing"
)

// Settings are durable, transactional, listed by prefix, and survive Reset and reopening.
func TestSettings(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	err = s.UpdateSettings(func(tx SettingsTx) error {
		for _, kv := range [][2]string{{"user/b", "2"}, {"user/a", "1"}, {"token/x", "t"}} {
			if err := tx.Put(kv[0], []byte(kv[1])); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err = s.UpdateSettings(func(tx SettingsTx) error {
		if err := tx.Put("user/c", []byte("3")); err != nil {
			return err
		}
		if err := tx.Delete("user/a"); err != nil {
			return err
		}
		return boom
	})
	if err != boom {
		t.Errorf("UpdateSettings returned %v, want the callback's error unchanged", err)
	}
	if err := s.ViewSettings(func(tx SettingsTx) error { return tx.Put("x", nil) }); err == nil {
		t.Errorf("a read-only transaction accepted a Put")
	}
	if err := s.PutSetting("", []byte("v")); err == nil {
		t.Errorf("an empty key was accepted")
	}
	if err := s.Reset(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var keys []string
	err = s.ViewSettings(func(tx SettingsTx) error {
		return tx.List("user/", func(k string, v []byte) error { keys = append(keys, k+"="+string(v)); return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0] != "user/a=1" || keys[1] != "user/b=2" {
		t.Errorf("user/ settings after a failed update, Reset and reopening: %q", keys)
	}
	if v, ok, err := s.GetSetting("token/x"); err != nil || !ok || string(v) != "t" {
		t.Errorf("GetSetting = %q %v %v", v, ok, err)
	}
	if _, ok, err := s.GetSetting("token/none"); err != nil || ok {
		t.Errorf("GetSetting of a missing key = %v %v", ok, err)
	}
}
