package plans

import (
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/plowbox/plowbox/store"
)

func TestLibraryPutAndDelete(t *testing.T) {
	st, err := store.Open(t.TempDir(), store.Options{NoSync: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	lib, err := NewLibrary([]string{"testdata/shop"}, st, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(lib.Plans().Specs()); n != 3 {
		t.Fatalf("specs from the directory: %d", n)
	}
	// A product uploaded beside the directory's files, referring to one of them.
	up := `{"apiVersion":"v1","resourceType":"data-product","resourceName":"aa000000-0000-4000-8000-000000000001",
	  "data":{"name":"Search","sourceApplications":[{"$ref":"../testdata/shop/source-apps/web.yaml"}],
	    "eventSpecifications":[{"resourceName":"aa000000-1111-4000-8000-000000000001","name":"Site searched",
	      "event":{"source":"iglu:com.snowplowanalytics.snowplow/site_search/jsonschema/1-0-0"}}]}}`
	if err := lib.Put("uploads/search.json", []byte(up)); err != nil {
		t.Fatal(err)
	}
	if lib.Plans().Spec("aa000000-1111-4000-8000-000000000001") == nil {
		t.Fatal("the uploaded specification is not in use")
	}
	bad, _ := os.ReadFile("testdata/bad/bad-ref.yaml")
	err = lib.Put("uploads/bad.yaml", bad)
	var fe *FileError
	if !errors.As(err, &fe) || fe.Path != "uploads/bad.yaml" || !strings.Contains(fe.Error(), "no source application") {
		t.Errorf("bad upload: %v", err)
	}
	for _, p := range []string{"../x.yaml", "x.txt", ""} {
		if err := lib.Put(p, []byte(up)); err == nil {
			t.Errorf("path %q accepted", p)
		}
	}
	// Kept in the store: a new library over the same store has it.
	lib2, err := NewLibrary([]string{"testdata/shop"}, st, nil)
	if err != nil || lib2.Plans().Spec("aa000000-1111-4000-8000-000000000001") == nil {
		t.Fatalf("not kept: %v", err)
	}
	if ok, err := lib.Delete("uploads/search.json"); !ok || err != nil {
		t.Fatalf("delete: %v %v", ok, err)
	}
	if lib.Plans().Spec("aa000000-1111-4000-8000-000000000001") != nil {
		t.Error("deleted specification still in use")
	}
}

func TestCoverage(t *testing.T) {
	p := loadShop(t)
	b := NewCoverage(p)
	t1 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	for i, ev := range []Event{
		{AppID: "shop", Schema: cartAction, Data: cartType("add_to_cart"), Contexts: []Entity{webPage, cartEUR}},
		{AppID: "shop", Schema: cartAction, Data: cartType("add_to_cart"), Contexts: []Entity{webPage, cartEUR}},
		{AppID: "shop", Schema: cartAction, Data: cartType("add_to_cart"), Contexts: []Entity{webPage}},
		{AppID: "shop", Schema: "iglu:com.acme/other/jsonschema/1-0-0"},
	} {
		v := p.Check(&ev)
		b.Add(&v, t1.Add(time.Duration(i)*time.Minute))
	}
	got, _ := json.Marshal(b.Result())
	want := `{"data_products":[{"id":"5c1b1f04-0f3a-4bb6-9c2a-7d0e3e5e9a11","name":"E-commerce","specs":[` +
		`{"id":"9a0e8d1c-1111-4a2b-8c3d-000000000002","name":"Product removed from cart","seen":0,"valid":0,"invalid":0,"last_seen":null,"errors":[]},` +
		`{"id":"9a0e8d1c-1111-4a2b-8c3d-000000000003","name":"Page viewed","seen":0,"valid":0,"invalid":0,"last_seen":null,"errors":[]},` +
		`{"id":"9a0e8d1c-1111-4a2b-8c3d-000000000001","name":"Product added to cart","seen":3,"valid":2,"invalid":1,"last_seen":"2026-12-03T10:02:00.000Z","errors":[{"message":"entity iglu:com.acme/cart/jsonschema/1-0-0: expected at least 1, got 0","count":1}]}]}],"unplanned":1}`
	if string(got) != want {
		t.Errorf("coverage\n%s\nwant\n%s", got, want)
	}
}
