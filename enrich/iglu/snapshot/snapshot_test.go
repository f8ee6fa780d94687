package snapshot

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/plowbox/plowbox/enrich/iglu"
	"github.com/plowbox/plowbox/enrich/iglu/snapshot/internal/tarball"
)

// igluCentral is the shared copy of Iglu Central the snapshot is generated from.
const igluCentral = "../../../../shared/testdata/iglu-central"

// The committed tarball holds exactly the shared copy of Iglu Central: rerun
// go generate ./enrich/iglu/snapshot when this fails.
func TestUpToDate(t *testing.T) {
	if _, err := os.Stat(igluCentral); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the shared Iglu Central copy is missing in CI: %v", err)
		}
		t.Skipf("no shared Iglu Central copy: %v", err)
	}
	want, err := tarball.Files(igluCentral)
	if err != nil {
		t.Fatal(err)
	}
	m, got, err := tarball.Read(compressed)
	if err != nil {
		t.Fatal(err)
	}
	if m.Source != "snowplow/iglu-central" || m.Date != "2026-04-23" || m.Commit != "cbac22ed" || m.Schemas != len(want) {
		t.Errorf("manifest %+v, want snowplow/iglu-central@cbac22ed of 2026-04-23 with %d schemas", m, len(want))
	}
	for name, body := range want {
		if !bytes.Equal(got[name], body) {
			t.Errorf("%s differs from the shared copy (or is missing): run go generate ./enrich/iglu/snapshot", name)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s is in the snapshot, not in the shared copy", name)
		}
	}
	license, err := os.ReadFile(filepath.Join(igluCentral, "LICENSE"))
	if err != nil {
		t.Fatal(err)
	}
	if beside, err := os.ReadFile("LICENSE"); err != nil || !bytes.Equal(beside, license) {
		t.Errorf("LICENSE beside the tarball is not Iglu Central's (%v)", err)
	}
}

// The same input always gives the same tar, so regenerating changes nothing.
func TestTarIsReproducible(t *testing.T) {
	files := map[string][]byte{"schemas/b/x/jsonschema/1-0-0": []byte(`{}`), "schemas/a/y/jsonschema/1-0-0": []byte(`{"a":1}`)}
	m := tarball.Manifest{Source: "s", Commit: "c", Date: "2026-01-02"}
	one, err := tarball.Tar(m, files)
	if err != nil {
		t.Fatal(err)
	}
	two, _ := tarball.Tar(m, files)
	if !bytes.Equal(one, two) {
		t.Fatal("two tars of the same files differ")
	}
	z, err := tarball.Compress(one)
	if err != nil {
		t.Fatal(err)
	}
	back, got, err := tarball.Read(z)
	if err != nil {
		t.Fatal(err)
	}
	if back.Schemas != 2 || back.Date != m.Date || len(got) != 2 || string(got["schemas/a/y/jsonschema/1-0-0"]) != `{"a":1}` {
		t.Errorf("round trip: %+v %q", back, got)
	}
}

func TestReadRejects(t *testing.T) {
	m := tarball.Manifest{Source: "s", Commit: "c", Date: "d"}
	bad := func(files map[string][]byte) []byte {
		raw, err := tarball.Tar(m, files)
		if err != nil {
			t.Fatal(err)
		}
		z, _ := tarball.Compress(raw)
		return z
	}
	for name, data := range map[string][]byte{
		"not zstd":        []byte("plain"),
		"escaping entry":  bad(map[string][]byte{"schemas/../etc/passwd": []byte(`{}`)}),
		"entry elsewhere": bad(map[string][]byte{"other/x": []byte(`{}`)}),
	} {
		if _, _, err := tarball.Read(data); err == nil {
			t.Errorf("%s: read without an error", name)
		}
	}
}

func TestInfo(t *testing.T) {
	info, err := New().Info()
	if err != nil {
		t.Fatal(err)
	}
	if info.Date != "2026-04-23" || info.Schemas != 679 || info.Size != len(compressed) || info.Size > 200<<10 {
		t.Errorf("info %+v", info)
	}
}

func key(t *testing.T, uri string) iglu.SchemaKey {
	t.Helper()
	k, err := iglu.ParseSchemaKey(uri)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestRepositoryLookup(t *testing.T) {
	repo := New().Repository("Iglu Central snapshot", 0, iglu.ClassEmbedded)
	ctx := context.Background()
	for _, tc := range []struct {
		uri  string
		want error
	}{
		{uri: "iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2"},
		{uri: "iglu:com.snowplowanalytics.snowplow/anon_ip/jsonschema/1-0-1"},
		{uri: "iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/9-9-9", want: iglu.ErrNotFound},
		{uri: "iglu:com.gitlab/gitlab_standard/jsonschema/1-0-0", want: iglu.ErrNotFound},
	} {
		body, err := repo.Lookup(ctx, key(t, tc.uri))
		switch {
		case tc.want != nil && !errors.Is(err, tc.want):
			t.Errorf("%s: err %v, want %v", tc.uri, err, tc.want)
		case tc.want == nil && (err != nil || !bytes.Contains(body, []byte(`"self"`))):
			t.Errorf("%s: %v %.60s", tc.uri, err, body)
		}
	}
}

// unreachable returns the address of a port nothing listens on.
func unreachable(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// With Iglu Central unreachable a standard schema still resolves: from the snapshot
// tried last, after the HTTP repository failed (and the history says so), or from the
// snapshot tried first, without asking the network at all.
func TestResolveWithIgluCentralDown(t *testing.T) {
	snap := New()
	central := iglu.NewHTTPRepository(iglu.HTTPOptions{Name: "Iglu Central", Priority: 1, VendorPrefixes: []string{}, URI: unreachable(t), Timeout: time.Second, Client: &http.Client{}})
	session := key(t, "iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2")
	for _, tc := range []struct {
		name        string
		class       iglu.Class
		wantHistory []string
	}{
		{name: "last", class: iglu.ClassLastResort, wantHistory: []string{"Iglu Central"}},
		{name: "first", class: iglu.ClassEmbedded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := iglu.NewResolver(iglu.Options{CacheSize: 10, Logger: slog.New(slog.DiscardHandler),
				Repositories: []iglu.Repository{snap.Repository("Iglu Central snapshot", 0, tc.class), central}})
			body, history, err := r.Lookup(context.Background(), session)
			if err != nil || !bytes.Contains(body, []byte(`"client_session"`)) {
				t.Fatalf("lookup: %v", err)
			}
			var asked []string
			for _, h := range history {
				asked = append(asked, h.Repository)
				if h.Errors[0].Error != "RepoFailure" {
					t.Errorf("%s answered %+v, want a RepoFailure", h.Repository, h.Errors)
				}
			}
			if !slices.Equal(asked, tc.wantHistory) {
				t.Errorf("failed repositories before the snapshot %q, want %q", asked, tc.wantHistory)
			}
			var names []string
			for _, s := range r.Status() {
				names = append(names, s.Name)
			}
			if want := append(slices.Clone(tc.wantHistory), "Iglu Central snapshot"); !slices.Equal(names, want) {
				t.Errorf("repositories consulted %q, want %q", names, want)
			}
		})
	}
}

// BenchmarkUnpack measures the one-time cost of unpacking the snapshot.
func BenchmarkUnpack(b *testing.B) {
	for b.Loop() {
		if _, err := New().Info(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFirstLookupFirewalled measures the first lookup of a standard schema when
// Iglu Central sits behind a firewall that drops packets (a listener that never
// answers), with the snapshot tried first and last: last waits for the registry's
// timeout (100 ms here, --iglu-timeout in plowbox serve) on every first lookup.
func BenchmarkFirstLookupFirewalled(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		var held []net.Conn
		for {
			c, err := ln.Accept()
			if err != nil {
				for _, c := range held {
					c.Close()
				}
				return
			}
			held = append(held, c)
		}
	}()
	snap := New()
	session, _ := iglu.ParseSchemaKey("iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2")
	for _, at := range []struct {
		name  string
		class iglu.Class
	}{{"first", iglu.ClassEmbedded}, {"last", iglu.ClassLastResort}} {
		b.Run(at.name, func(b *testing.B) {
			for b.Loop() {
				central := iglu.NewHTTPRepository(iglu.HTTPOptions{Name: "Iglu Central", Priority: 1, VendorPrefixes: []string{},
					URI: "http://" + ln.Addr().String(), Timeout: 100 * time.Millisecond, Client: &http.Client{}})
				r := iglu.NewResolver(iglu.Options{CacheSize: 10, Logger: slog.New(slog.DiscardHandler),
					Repositories: []iglu.Repository{snap.Repository("Iglu Central snapshot", 0, at.class), central}})
				if _, _, err := r.Lookup(context.Background(), session); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
