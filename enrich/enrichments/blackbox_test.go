package enrichments

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
	"github.com/plowbox/plowbox/internal/blackbox"
)

// TestBlackbox replays the `enrichments` cases of the enrich black-box corpus through the
// Enricher with the enrichments configured; the cases that need an outside service get
// the local stand-ins of blackbox.Services.
func TestBlackbox(t *testing.T) {
	root := filepath.Join(shared, "enrich-blackbox")
	cases, err := blackbox.Load(filepath.Join(root, "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	services := blackbox.NewServices(t)
	ran := 0
	for _, c := range cases {
		if c.Folder != "enrichments" {
			continue
		}
		t.Run(c.Name[:strings.IndexByte(c.Name, ':')], func(t *testing.T) {
			configs, why := services.Enrichments(&c)
			if why != "" {
				t.Skip(why)
			}
			list, warnings, err := LoadConfigs(configs, Options{CacheDir: filepath.Join(root, "resources"), ExchangeRatesURL: services.ExchangeRatesURL()})
			if err != nil {
				t.Fatal(err)
			}
			defer Close(list)
			for _, w := range warnings {
				if strings.Contains(w, "does nothing") {
					t.Skipf("not supported: %s", w)
				}
			}
			ran++
			en := enrich.New(enrich.Config{Version: "1.0.0", Enrichments: list})
			res := en.Process(context.Background(), c.Payload())
			if len(res.Outputs) != c.ExpectedEventCount {
				t.Fatalf("%d outputs, want %d", len(res.Outputs), c.ExpectedEventCount)
			}
			out := res.Outputs[0]
			if out.Stage != enrich.StageGood {
				t.Fatalf("stage %d, bad row %s", out.Stage, out.BadRow)
			}
			for name, want := range c.Expected {
				f, ok := fieldIndex(name)
				if name == "pii" {
					checkPIIEvent(t, out, want)
					continue
				}
				if !ok {
					t.Fatalf("expected %s is not an enriched field", name)
				}
				got := out.Event.Get(f)
				if got != "" && f == event.DerivedContexts {
					got = `{"schema":"` + contextsSchema + `","data":` + got + `}`
				}
				if f == event.Contexts || f == event.UnstructEvent {
					continue // shapes owned by the pipeline, checked elsewhere
				}
				if got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
		})
	}
	t.Logf("%d black-box enrichment cases replayed", ran)
}

// fieldIndex finds an enriched field by name.
func fieldIndex(name string) (event.Field, bool) {
	for f := range event.Field(event.NumFields) {
		if event.Fields[f].Name == name {
			return f, true
		}
	}
	return 0, false
}

// checkPIIEvent checks the pii_transformation event emitted beside the event: its
// unstruct_event column must be exactly the expected one, and the pseudonymised fields it
// lists must hold their modified values in the event itself.
func checkPIIEvent(t *testing.T, out enrich.Output, want string) {
	t.Helper()
	if out.PII == nil {
		t.Fatal("no pii_transformation event emitted")
	}
	cols := strings.Split(string(out.PII.TSV()), "\t")
	if got := cols[event.UnstructEvent]; got != want {
		t.Errorf("pii event unstruct_event:\n got %s\nwant %s", got, want)
	}
	for f, want := range map[event.Field]string{event.EventType: "pii_transformation", event.Platform: "srv",
		event.EventName: "pii_transformation", event.EventVersion: "1-0-0", event.AppID: out.Event.Get(event.AppID)} {
		if got := out.PII.Get(f); got != want {
			t.Errorf("pii event %s = %q, want %q", event.Fields[f].Name, got, want)
		}
	}
	if got, parent := out.PII.Get(event.Contexts), out.Event.Get(event.EventID); !strings.Contains(got, `"parentEventId":"`+parent+`"`) {
		t.Errorf("pii event contexts %s do not name the parent %s", got, parent)
	}
	var ev struct {
		Data struct {
			Data struct {
				PII struct {
					Pojo []struct{ FieldName, OriginalValue, ModifiedValue string }
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(want), &ev); err != nil {
		t.Fatal(err)
	}
	for _, p := range ev.Data.Data.PII.Pojo {
		f, _ := fieldIndex(p.FieldName)
		if got := out.Event.Get(f); got != p.ModifiedValue {
			t.Errorf("%s = %q, want %q (from %q)", p.FieldName, got, p.ModifiedValue, p.OriginalValue)
		}
	}
}
