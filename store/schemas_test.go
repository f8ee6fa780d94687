package store

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/plowbox/plowbox/enrich"
)

func TestSchemasRegistry(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	const k1 = "com.acme/checkout/jsonschema/1-0-0"
	v1 := []byte(`{"self":{"vendor":"com.acme"},  "type":"object"}`) // kept byte for byte
	created, err := s.PutSchema(k1, v1, false)
	if err != nil || !created {
		t.Fatalf("PutSchema = %v, %v; want created", created, err)
	}
	_, first, _, _ := s.GetSchema(k1)
	v2 := []byte(`{"type":"object","required":["a"]}`)
	if created, err = s.PutSchema(k1, v2, true); err != nil || created {
		t.Fatalf("overwrite: PutSchema = %v, %v; want updated", created, err)
	}
	for _, k := range []string{"com.acme/checkout/jsonschema/1-0-1", "com.acme/cart/jsonschema/1-0-0", "com.acme.other/x/jsonschema/1-0-0", "org.x/y/jsonschema/2-0-0"} {
		if _, err := s.PutSchema(k, []byte(`{}`), true); err != nil {
			t.Fatal(err)
		}
	}
	body, meta, ok, err := s.GetSchema(k1)
	if err != nil || !ok || string(body) != string(v2) || !meta.Public {
		t.Fatalf("GetSchema = %s %+v %v %v", body, meta, ok, err)
	}
	if !meta.Created.Equal(first.Created) || meta.Updated.Before(meta.Created) {
		t.Errorf("overwrite changed created time or updated went back: %+v vs %+v", meta, first)
	}
	if _, _, ok, err := s.GetSchema("com.acme/none/jsonschema/1-0-0"); ok || err != nil {
		t.Errorf("GetSchema of a missing key = %v, %v", ok, err)
	}

	keys := func(prefix string) []string {
		t.Helper()
		list, err := s.ListSchemas(prefix)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range list {
			out = append(out, e.Key)
		}
		return out
	}
	for _, tc := range []struct {
		prefix string
		want   []string
	}{
		{"", []string{"com.acme.other/x/jsonschema/1-0-0", "com.acme/cart/jsonschema/1-0-0", "com.acme/checkout/jsonschema/1-0-0", "com.acme/checkout/jsonschema/1-0-1", "org.x/y/jsonschema/2-0-0"}},
		{"com.acme/", []string{"com.acme/cart/jsonschema/1-0-0", "com.acme/checkout/jsonschema/1-0-0", "com.acme/checkout/jsonschema/1-0-1"}},
		{"com.acme/checkout/", []string{"com.acme/checkout/jsonschema/1-0-0", "com.acme/checkout/jsonschema/1-0-1"}},
		{"nope/", nil},
	} {
		if got := keys(tc.prefix); !slices.Equal(got, tc.want) {
			t.Errorf("ListSchemas(%q) = %q, want %q", tc.prefix, got, tc.want)
		}
	}

	if deleted, err := s.DeleteSchema(k1); err != nil || !deleted {
		t.Fatalf("DeleteSchema = %v, %v", deleted, err)
	}
	if deleted, err := s.DeleteSchema(k1); err != nil || deleted {
		t.Fatalf("second DeleteSchema = %v, %v", deleted, err)
	}

	// Kept copies live apart from the registry and survive a reset of the events.
	if err := s.KeepResolved(k1, v1); err != nil {
		t.Fatal(err)
	}
	if err := s.KeepResolved(k1, v1); err != nil { // identical: no rewrite, no error
		t.Fatal(err)
	}
	if _, _, ok, _ := s.GetSchema(k1); ok {
		t.Error("a kept copy shows in the registry")
	}
	if err := s.Reset(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Everything is durable across a reopen.
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if body, ok, err := s.GetResolved(k1); err != nil || !ok || string(body) != string(v1) {
		t.Errorf("GetResolved after reopen = %s %v %v", body, ok, err)
	}
	if _, ok, _ := s.GetResolved("com.acme/cart/jsonschema/1-0-0"); ok {
		t.Error("GetResolved found a schema that was never kept")
	}
	if got := keys("com.acme/"); !slices.Equal(got, []string{"com.acme/cart/jsonschema/1-0-0", "com.acme/checkout/jsonschema/1-0-1"}) {
		t.Errorf("after reopen: %q", got)
	}
}

func TestSchemasBadKeysAndClosed(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"", "a/b/c", "../b/c/1-0-0", "a/../c/1-0-0", "a//c/1-0-0", "a/b/c/d/e"} {
		if _, err := s.PutSchema(k, []byte(`{}`), true); err == nil {
			t.Errorf("PutSchema(%q) succeeded", k)
		}
		if err := s.KeepResolved(k, []byte(`{}`)); err == nil {
			t.Errorf("KeepResolved(%q) succeeded", k)
		}
	}
	s.Close()
	if _, err := s.PutSchema("a/b/c/1-0-0", []byte(`{}`), true); !errors.Is(err, ErrClosed) {
		t.Errorf("PutSchema after Close = %v, want ErrClosed", err)
	}
	if _, err := s.ListSchemas(""); !errors.Is(err, ErrClosed) {
		t.Errorf("ListSchemas after Close = %v, want ErrClosed", err)
	}
}

// Schema writes interleave with the group-commit writer without breaking it.
func TestSchemasWithEventWrites(t *testing.T) {
	s := openTest(t, Options{NoSync: true})
	done := make(chan error, 1)
	go func() {
		for i := range 20 {
			if _, err := s.PutSchema(fmt.Sprint("com.acme/x/jsonschema/1-0-", i), []byte(`{}`), true); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for i := range 20 {
		r := &enrich.Result{Payload: testPayload(i), Outputs: []enrich.Output{out(enrich.StageGood, fmt.Sprint("e", i))}}
		if err := s.Write(t.Context(), r); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := s.Counts().Good; n != 20 {
		t.Errorf("good = %d, want 20", n)
	}
}
