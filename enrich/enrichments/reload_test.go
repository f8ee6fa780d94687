package enrichments

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

// Check validates one uploaded file with Load's checks, before it is written.
func TestCheck(t *testing.T) {
	data := dataDir(t)
	fixture := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", "configs", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name        string
		data        []byte
		errContains string
		warning     string
	}{
		{name: "ip_lookups.json", data: fixture("ip_lookups.good.json")},
		{name: "iab.json", data: fixture("iab_spiders_and_robots_enrichment.good.json")},
		{name: "drop.js", data: []byte(`function process(event) { if (event.getApp_id() === "x") event.drop(); return null; }`)},
		{name: "anon_ip.json", data: fixture("anon_ip.bad-range.json"), errContains: "anon_ip.json: anon_ip: parameters.anonOctets: must be from 1 to 4, not 5"},
		{name: "geo.json", data: fixture("ip_lookups.lacks-data.json"), warning: "geo.json: ip_lookups " + LacksData + " parameters.geo: database file"},
		{name: "broken.js", data: []byte(`function process(event) {`), errContains: "broken.js: javascript_script_config: compile script"},
		{name: "empty.json", data: nil, errContains: "empty.json: not a self-describing JSON config"},
		{name: "notes.txt", data: []byte("{}"), errContains: "notes.txt: an enrichment config must be a *.json or *.js file"},
		{name: "weather.json", data: fixture("weather_enrichment_config.good.json"), warning: "not supported yet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			warnings, err := Check(tt.name, tt.data, Options{DataDir: data})
			if tt.errContains != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errContains) {
					t.Fatalf("err %v, want one containing %q", err, tt.errContains)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.warning == "" && len(warnings) > 0 || tt.warning != "" && (len(warnings) != 1 || !strings.Contains(warnings[0], tt.warning)) {
				t.Fatalf("warnings %q, want %q", warnings, tt.warning)
			}
		})
	}
	path := filepath.Join(t.TempDir(), "anon.json")
	if err := os.WriteFile(path, fixture("anon_ip.good.json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := CheckFile(path, Options{}); err != nil {
		t.Fatal(err)
	}
}

// Load builds a fresh set while the old one keeps serving; closing the old set while
// events are still going through it neither crashes nor blocks the new one.
func TestReloadWhileRunning(t *testing.T) {
	data := dataDir(t)
	dir := t.TempDir()
	for _, f := range []string{"ip_lookups.good.json", "javascript_script_config.good.json", "iab_spiders_and_robots_enrichment.good.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", "configs", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old, _, err := Load(dir, Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	run := func(list []enrich.Enrichment) {
		for _, en := range list {
			e := newEvent(t, map[string]string{"user_ipaddress": "81.2.69.142", "app_id": "shop", "useragent": "Xdroid",
				"derived_tstamp": "2024-05-01 10:00:00.000"})
			if _, err := en.Enrich(context.Background(), e, nil); err != nil {
				t.Error(err)
			}
		}
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					run(old)
				}
			}
		}()
	}
	fresh, _, err := Load(dir, Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer Close(fresh)
	if err := Close(old); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()

	byID := func(list []enrich.Enrichment, id string) enrich.Enrichment {
		for _, en := range list {
			if en.Info().Identifier == id {
				return en
			}
		}
		t.Fatalf("no %s enrichment", id)
		return nil
	}
	e := newEvent(t, map[string]string{"user_ipaddress": "81.2.69.142"})
	if _, err := byID(fresh, "ip-lookups").Enrich(context.Background(), e, nil); err != nil {
		t.Fatal(err)
	}
	if got := e.Get(event.GeoCity); got != "London" {
		t.Errorf("fresh set: geo_city %q, want London", got)
	}
	e = newEvent(t, map[string]string{"user_ipaddress": "81.2.69.142"})
	if _, err := byID(old, "ip-lookups").Enrich(context.Background(), e, nil); err != nil || e.Get(event.GeoCity) != "" {
		t.Errorf("closed set: geo_city %q, err %v; want a silent miss", e.Get(event.GeoCity), err)
	}
	if err := Close(old); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
