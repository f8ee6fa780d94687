package plans

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

const (
	specAdd    = "9a0e8d1c-1111-4a2b-8c3d-000000000001"
	specRemove = "9a0e8d1c-1111-4a2b-8c3d-000000000002"
	specPage   = "9a0e8d1c-1111-4a2b-8c3d-000000000003"
)

func loadShop(t *testing.T) *Plans {
	t.Helper()
	files, err := ReadDir("testdata/shop")
	if err != nil {
		t.Fatal(err)
	}
	p, errs := Load(files, nil)
	if len(errs) > 0 {
		t.Fatalf("load: %v", errs)
	}
	return p
}

func TestLoadShop(t *testing.T) {
	p := loadShop(t)
	if len(p.Products) != 1 || len(p.Apps) != 2 {
		t.Fatalf("products %d, apps %d", len(p.Products), len(p.Apps))
	}
	dp := p.Products[0]
	if dp.Name != "E-commerce" || dp.Domain != "Shop" || dp.Owner != "qa@shop.example" || len(dp.Apps) != 2 {
		t.Errorf("product %+v", dp)
	}
	add := p.Spec(specAdd)
	if add == nil || add.Name != "Product added to cart" || len(add.Triggers) != 1 || add.Source.String() != "iglu:com.acme/cart_action/jsonschema/1-0-0" {
		t.Fatalf("spec %+v", add)
	}
	if got := add.AppIDs(); !slices.Equal(got, []string{"shop", "shop-staging", "shop-ios"}) {
		t.Errorf("add app ids %v", got)
	}
	if got := p.Spec(specRemove).AppIDs(); !slices.Equal(got, []string{"shop", "shop-staging"}) {
		t.Errorf("remove app ids (mobile excluded) %v", got)
	}
	if tr := add.Triggers[0]; tr.Image == nil || tr.Image.Ref != "./images/add-to-cart.png" || tr.URL == "" {
		t.Errorf("trigger %+v", tr)
	}
	if r := add.Tracked[0]; r.Min != 1 || r.Max != -1 {
		t.Errorf("cardinality defaults %d..%d", r.Min, r.Max)
	}
}

func TestLoadRefusesBadFiles(t *testing.T) {
	files, err := ReadDir("testdata/bad")
	if err != nil {
		t.Fatal(err)
	}
	p, errs := Load(files, nil)
	want := map[string]string{
		"testdata/bad/not-yaml.yaml":        "not YAML or JSON",
		"testdata/bad/no-name.yaml":         "data.name is missing",
		"testdata/bad/bad-ref.yaml":         "data.sourceApplications[0].$ref ./source-apps/missing.yaml: no source application at testdata/bad/source-apps/missing.yaml",
		"testdata/bad/spec-no-id.yaml":      "data.eventSpecifications[0].resourceName is missing",
		"testdata/bad/bad-schema.json":      "data.eventSpecifications[0].event.schema: ",
		"testdata/bad/bad-cardinality.yaml": "data.entities.tracked[0]: cardinality 2..1 is not a range",
	}
	got := map[string]string{}
	for _, e := range errs {
		var fe *FileError
		if !errors.As(e, &fe) {
			t.Fatalf("%v is not a FileError", e)
		}
		got[fe.Path] = fe.Err.Error()
	}
	for path, sub := range want {
		if !strings.Contains(got[path], sub) {
			t.Errorf("%s: error %q, want it to contain %q", path, got[path], sub)
		}
	}
	if len(got) != len(want) {
		t.Errorf("refused %v", got)
	}
	if len(p.Products) != 1 || p.Products[0].Name != "Still loads" {
		t.Errorf("the good file did not load: %+v", p.Products)
	}
}

func sdj(schema, data string) Entity { return Entity{Schema: schema, Data: json.RawMessage(data)} }

var (
	webPage = sdj("iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0", `{"id":"a0b5d8d9-6c3b-4b55-9b2b-7c1d3b1f4e22"}`)
	cartEUR = sdj("iglu:com.acme/cart/jsonschema/1-0-0", `{"currency":"EUR"}`)
	cartUSD = sdj("iglu:com.acme/cart/jsonschema/1-0-1", `{"currency":"USD"}`)
	named   = func(id string) Entity {
		return sdj("iglu:com.snowplowanalytics.snowplow/event_specification/jsonschema/1-0-2", `{"id":"`+id+`"}`)
	}
	cartType = func(t string) json.RawMessage { return json.RawMessage(`{"type":"` + t + `"}`) }
)

const cartAction = "iglu:com.acme/cart_action/jsonschema/1-0-0"

func TestCheck(t *testing.T) {
	p := loadShop(t)
	type spec struct {
		id     string
		valid  bool
		errors []string
	}
	tests := []struct {
		name   string
		ev     Event
		status string
		msg    string
		specs  []spec
	}{
		{"add to cart, all rules hold", Event{AppID: "shop", Schema: cartAction, Data: cartType("add_to_cart"), Contexts: []Entity{webPage, cartEUR}},
			StatusValid, "", []spec{{specAdd, true, nil}}},
		{"matched by narrowing, missing cart entity", Event{AppID: "shop", Schema: cartAction, Data: cartType("add_to_cart"), Contexts: []Entity{webPage}},
			StatusInvalid, "", []spec{{specAdd, false, []string{"entity iglu:com.acme/cart/jsonschema/1-0-0: expected at least 1, got 0"}}}},
		{"cart entity of another revision counts and fails its narrowing", Event{AppID: "shop", Schema: cartAction, Data: cartType("add_to_cart"), Contexts: []Entity{webPage, cartUSD}},
			StatusInvalid, "", []spec{{specAdd, false, []string{`entity iglu:com.acme/cart/jsonschema/1-0-1: $.currency: does not have a value in the enumeration [EUR]`}}}},
		{"source application entity rule: web_page twice", Event{AppID: "shop", Schema: cartAction, Data: cartType("remove_from_cart"), Contexts: []Entity{webPage, webPage}},
			StatusInvalid, "", []spec{{specRemove, false, []string{"entity iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0: expected at most 1, got 2"}}}},
		{"no candidate satisfies its narrowing: invalid against every candidate", Event{AppID: "shop", Schema: cartAction, Data: cartType("checkout"), Contexts: []Entity{webPage}},
			StatusInvalid, "", []spec{
				{specAdd, false, []string{`event iglu:com.acme/cart_action/jsonschema/1-0-0: $.type: does not have a value in the enumeration [add_to_cart]`, "entity iglu:com.acme/cart/jsonschema/1-0-0: expected at least 1, got 0"}},
				{specRemove, false, []string{`event iglu:com.acme/cart_action/jsonschema/1-0-0: $.type: does not have a value in the enumeration [remove_from_cart]`}}}},
		{"excluded application: only the other candidate, invalid; the web rules do not apply to the app", Event{AppID: "shop-ios", Schema: cartAction, Data: cartType("remove_from_cart")},
			StatusInvalid, "", []spec{{specAdd, false, []string{`event iglu:com.acme/cart_action/jsonschema/1-0-0: $.type: does not have a value in the enumeration [add_to_cart]`, "entity iglu:com.acme/cart/jsonschema/1-0-0: expected at least 1, got 0"}}}},
		{"app id of no application: unplanned", Event{AppID: "backend", Schema: cartAction, Data: cartType("add_to_cart")},
			StatusUnplanned, "", nil},
		{"another model: unplanned", Event{AppID: "shop", Schema: "iglu:com.acme/cart_action/jsonschema/2-0-0", Data: cartType("add_to_cart")},
			StatusUnplanned, "", nil},
		{"built-in page view", Event{AppID: "shop", Schema: "iglu:com.snowplowanalytics.snowplow/page_view/jsonschema/1-0-0", Data: json.RawMessage(`{}`), Contexts: []Entity{webPage}},
			StatusValid, "", []spec{{specPage, true, nil}}},
		{"named specification wins over matching", Event{AppID: "shop", Schema: cartAction, Data: cartType("add_to_cart"), Contexts: []Entity{webPage, named(specRemove)}},
			StatusInvalid, "", []spec{{specRemove, false, []string{`event iglu:com.acme/cart_action/jsonschema/1-0-0: $.type: does not have a value in the enumeration [remove_from_cart]`}}}},
		{"named specification checks the app id and the event schema", Event{AppID: "shop-ios", Schema: "iglu:com.acme/other/jsonschema/1-0-0", Data: cartType("remove_from_cart"), Contexts: []Entity{named(specRemove)}},
			StatusInvalid, "", []spec{{specRemove, false, []string{
				"event iglu:com.acme/other/jsonschema/1-0-0 is not the specification's event iglu:com.acme/cart_action/jsonschema/1-0-0",
				`app_id "shop-ios" is not one of the source applications' app ids [shop, shop-staging]`}}}},
		{"unknown named specification", Event{AppID: "shop", Schema: cartAction, Data: cartType("add_to_cart"), Contexts: []Entity{named("nope")}},
			StatusUnknown, "unknown event specification nope", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := p.Check(&tt.ev)
			if v.Status != tt.status || v.Message != tt.msg {
				t.Errorf("status %q %q, want %q %q", v.Status, v.Message, tt.status, tt.msg)
			}
			if len(v.Specs) != len(tt.specs) {
				t.Fatalf("specs %+v, want %+v", v.Specs, tt.specs)
			}
			for i, s := range tt.specs {
				got := v.Specs[i]
				var msgs []string
				for _, e := range got.Errors {
					msgs = append(msgs, e.Message)
				}
				if got.ID != s.id || got.Valid != s.valid || !slices.Equal(msgs, s.errors) {
					t.Errorf("spec %d: %s valid=%v %q, want %s valid=%v %q", i, got.ID, got.Valid, msgs, s.id, s.valid, s.errors)
				}
				if got.DataProduct != "E-commerce" {
					t.Errorf("data product %q", got.DataProduct)
				}
			}
		})
	}
}

func TestErrorPathAndSchema(t *testing.T) {
	p := loadShop(t)
	v := p.Check(&Event{AppID: "shop", Schema: cartAction, Data: cartType("add_to_cart"), Contexts: []Entity{webPage, cartUSD}})
	b, _ := json.Marshal(v.Specs[0].Errors)
	want := `[{"message":"entity iglu:com.acme/cart/jsonschema/1-0-1: $.currency: does not have a value in the enumeration [EUR]","schema":"iglu:com.acme/cart/jsonschema/1-0-1","path":"$.currency"}]`
	if string(b) != want {
		t.Errorf("errors\n%s\nwant\n%s", b, want)
	}
	v = p.Check(&Event{AppID: "shop", Schema: cartAction, Data: cartType("add_to_cart"), Contexts: []Entity{webPage}})
	b, _ = json.Marshal(v.Specs[0].Errors)
	want = `[{"message":"entity iglu:com.acme/cart/jsonschema/1-0-0: expected at least 1, got 0","schema":"iglu:com.acme/cart/jsonschema/1-0-0","path":null}]`
	if string(b) != want {
		t.Errorf("errors\n%s\nwant\n%s", b, want)
	}
}

func TestValidationEntity(t *testing.T) {
	p := loadShop(t)
	tests := []struct {
		name string
		ev   Event
		want string // "" when no entity is added
	}{
		{"not named: none", Event{AppID: "shop", Schema: cartAction, Data: cartType("add_to_cart"), Contexts: []Entity{webPage, cartEUR}}, ""},
		{"named and valid", Event{AppID: "shop", Schema: cartAction, Data: cartType("add_to_cart"), Contexts: []Entity{webPage, cartEUR, named(specAdd)}},
			`{"schema":"iglu:com.snowplowanalytics.snowplow/event_specification_validation/jsonschema/1-0-0","data":{"isValid":true,"errors":[]}}`},
		{"named and invalid", Event{AppID: "shop", Schema: cartAction, Data: cartType("add_to_cart"), Contexts: []Entity{webPage, named(specAdd)}},
			`{"schema":"iglu:com.snowplowanalytics.snowplow/event_specification_validation/jsonschema/1-0-0","data":{"isValid":false,"errors":[{"message":"entity iglu:com.acme/cart/jsonschema/1-0-0: expected at least 1, got 0","schema":"iglu:com.acme/cart/jsonschema/1-0-0","path":null}]}}`},
		{"named but unknown", Event{AppID: "shop", Schema: cartAction, Contexts: []Entity{named("nope")}},
			`{"schema":"iglu:com.snowplowanalytics.snowplow/event_specification_validation/jsonschema/1-0-0","data":{"isValid":false,"errors":[{"message":"unknown event specification nope","schema":null,"path":null}]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := p.Check(&tt.ev)
			got, ok := v.ValidationEntity()
			if ok != (tt.want != "") || string(got) != tt.want {
				t.Errorf("entity %s (%v)\nwant %s", got, ok, tt.want)
			}
		})
	}
}

func TestNoPlans(t *testing.T) {
	var p *Plans
	v := p.Check(&Event{AppID: "shop", Schema: cartAction})
	if v.Status != StatusUnplanned {
		t.Errorf("status %q", v.Status)
	}
}
