package plans

import "testing"

// BenchmarkCheck is the cost of matching and checking one event with two entities
// against the shop plans.
func BenchmarkCheck(b *testing.B) {
	files, err := ReadDir("testdata/shop")
	if err != nil {
		b.Fatal(err)
	}
	p, _ := Load(files, nil)
	ev := Event{AppID: "shop", Schema: cartAction, Data: cartType("add_to_cart"), Contexts: []Entity{webPage, cartEUR}}
	b.ReportAllocs()
	for b.Loop() {
		p.Check(&ev)
	}
}

// BenchmarkApply is what the pipeline adds per enriched event: reading it, checking it
// and encoding the verdict.
func BenchmarkApply(b *testing.B) {
	files, _ := ReadDir("testdata/shop")
	p, _ := Load(files, nil)
	c := NewChecker(p)
	res := process(b, trackerParams(`{"type":"add_to_cart"}`, webPage, cartEUR))
	b.ReportAllocs()
	for b.Loop() {
		c.Apply(res)
	}
}
