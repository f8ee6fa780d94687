package index

import (
	"context"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/plowbox/plowbox/collector"
)

// sendTagged runs a tracker event through the enricher and stores it with a run and a
// verdict, as the pipeline does.
func (e *env) sendTagged(run, plan string, params ...string) uint64 {
	e.t.Helper()
	q := url.Values{"tv": {"js-3.0.0"}, "p": {"web"}}
	for i := 0; i+1 < len(params); i += 2 {
		q.Set(params[i], params[i+1])
	}
	ua := "Mozilla/5.0 (test)"
	p := &collector.Payload{
		Schema: collector.PayloadSchema, IPAddress: "203.0.113.7", Timestamp: t0.Add(time.Duration(e.n) * time.Minute),
		Encoding: "UTF-8", Collector: "plowbox-1.0.0", UserAgent: &ua, Path: "/i", Querystring: q.Encode(),
	}
	e.n++
	res := e.en.Process(context.Background(), p)
	for i := range res.Outputs {
		res.Outputs[i].Run = run
		if plan != "" {
			res.Outputs[i].Plan = []byte(plan)
		}
	}
	first, err := e.st.WriteSeq(context.Background(), res)
	if err != nil {
		e.t.Fatal(err)
	}
	return first
}

func TestRunAndPlanFields(t *testing.T) {
	e := newEnv(t)
	valid := `{"status":"valid","specs":[{"id":"9a0e-1","name":"Product added to cart","data_product_id":"dp-1","data_product":"E-commerce","valid":true,"errors":[]}]}`
	invalid := `{"status":"invalid","specs":[{"id":"9a0e-1","name":"Product added to cart","data_product_id":"dp-1","data_product":"E-commerce","valid":false,"errors":[{"message":"entity iglu:com.acme/cart/jsonschema/1-0-0: expected at least 1, got 0","schema":null,"path":null}]}]}`
	a := e.sendTagged("ci-42", valid, "e", "pv", "aid", "shop")
	b := e.sendTagged("ci-42", invalid, "e", "pv", "aid", "shop")
	c := e.sendTagged("ci-43", `{"status":"unplanned","specs":[]}`, "e", "pv", "aid", "shop")
	d := e.sendTagged("", "", "e", "pv", "aid", "shop")
	e.sync()
	tests := []struct {
		q    string
		want []uint64
	}{
		{"run:ci-42", []uint64{b, a}},
		{"run:CI-43", []uint64{c}},
		{`spec:"Product added to cart"`, []uint64{b, a}},
		{"spec:9a0e-1 AND spec_valid:false", []uint64{b}},
		{"spec_valid:true", []uint64{a}},
		{`data_product:"e-commerce"`, []uint64{b, a}},
		{"plan_status:unplanned", []uint64{c}},
		{"spec_error:cardinality OR spec_error:least", []uint64{b}},
		{"-run:ci-42 -run:ci-43", []uint64{d}},
	}
	for _, tt := range tests {
		if got := e.seqs(Query{Q: tt.q}); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.q, got, tt.want)
		}
	}
}
