package enrichments

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

// shared is the shared test data directory.
const shared = "../../../shared/testdata"

// dataDir returns a temporary data directory laying out the shared test data the way the
// fixtures name it: maxmind/<enum name>.mmdb (MaxMind's test databases under the names
// the ip_lookups schema allows), referer-parser/referers.yml, and a corrupt database.
func dataDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	abs, err := filepath.Abs(shared)
	if err != nil {
		t.Fatal(err)
	}
	links := map[string]string{
		"maxmind/GeoIP2-City.mmdb":            "maxmind/GeoIP2-City-Test.mmdb",
		"maxmind/GeoIP2-ISP.mmdb":             "maxmind/GeoIP2-ISP-Test.mmdb",
		"maxmind/GeoIP2-Domain.mmdb":          "maxmind/GeoIP2-Domain-Test.mmdb",
		"maxmind/GeoIP2-Connection-Type.mmdb": "maxmind/GeoIP2-Connection-Type-Test.mmdb",
		"maxmind/GeoLite2-ASN.mmdb":           "maxmind/GeoLite2-ASN-Test.mmdb",
		"referer-parser/referers.yml":         "referer-parser/referers.yml",
		"iab/ip_exclude_current_cidr.txt":     "enrich-blackbox/resources/ip_exclude_current_cidr.txt",
		"iab/exclude_current.txt":             "enrich-blackbox/resources/exclude_current.txt",
		"iab/include_current.txt":             "enrich-blackbox/resources/include_current.txt",
	}
	for name, target := range links {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join(abs, target), p); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "corrupt"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "corrupt", "GeoIP2-City.mmdb"), []byte("not a database"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Bot ASN lists as the asn_lookups docs describe them (a header, then number,name),
	// one listing the test ASN database's 1221 (Telstra), one with a row that is no ASN.
	for name, text := range map[string]string{
		"asn/bad-asn-list.csv":     "ASN,Entity\n1221,\"TELSTRA-AS Telstra Pty Ltd, AU\"\n16509,\"AMAZON-02, US\"\n",
		"asn-bad/bad-asn-list.csv": "ASN,Entity\n1221,Telstra\nfast,Bots\n",
	} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// An IAB exclude list with a record whose primary impact flag is not 0, 1 or 2.
	if err := os.MkdirAll(filepath.Join(dir, "iab-bad"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "iab-bad", "exclude_current.txt"), []byte("# test\nxsoft url|1||1|7|0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// loadFixture builds the enrichment of one fixture file.
func loadFixture(t testing.TB, name string, opts Options) enrich.Enrichment {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "configs", name))
	if err != nil {
		t.Fatal(err)
	}
	list, _, err := LoadConfigs([]json.RawMessage{b}, opts)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	if len(list) != 1 {
		t.Fatalf("load %s: got %d enrichments, want 1", name, len(list))
	}
	t.Cleanup(func() { _ = Close(list) })
	return list[0]
}

// newEvent returns an event with the given fields set by enriched name.
func newEvent(t testing.TB, fields map[string]string) *event.Event {
	t.Helper()
	e := &event.Event{}
	for k, v := range fields {
		e.Set(fieldByName(k), v)
	}
	return e
}

// rawWithHeaders returns a raw event whose payload has the given headers.
func rawWithHeaders(headers ...string) *event.RawEvent {
	return &event.RawEvent{Payload: &collector.Payload{Headers: headers}}
}

// strs renders derived contexts as strings for comparison.
func strs(ctxs []json.RawMessage) []string {
	out := make([]string, len(ctxs))
	for i, c := range ctxs {
		out[i] = string(c)
	}
	return out
}

// b64 base64-encodes a script.
func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
