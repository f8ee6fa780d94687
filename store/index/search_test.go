package index

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestQueries(t *testing.T) {
	e := newEnv(t)
	e.sample()
	for _, tt := range []struct {
		name string
		q    Query
		want []uint64
	}{
		{"all, newest first", Query{}, []uint64{6, 5, 4, 3, 2, 1}},
		{"field, case-insensitive", Query{Q: "app_id:SHOP"}, []uint64{6, 4, 3, 1}},
		{"field keeps case of the value out", Query{Q: "app_id:blog"}, []uint64{2}},
		{"event name", Query{Q: "event_name:page_view"}, []uint64{6, 1}},
		{"AND", Query{Q: "app_id:shop AND event_name:page_view"}, []uint64{6, 1}},
		{"OR", Query{Q: "app_id:blog OR event_name:click"}, []uint64{3, 2}},
		{"must not", Query{Q: "+app_id:shop -event_name:page_view"}, []uint64{4, 3}},
		{"nested entity field", Query{Q: "contexts_com_acme_user_1.plan:pro"}, []uint64{1}},
		{"nested entity number", Query{Q: "contexts_com_acme_user_1.age:30"}, []uint64{1}},
		{"nested entity numeric range", Query{Q: "contexts_com_acme_user_1.age:>=18"}, []uint64{1}},
		{"type conflict: string value", Query{Q: "contexts_com_acme_user_1.age:thirty"}, []uint64{2}},
		{"type conflict: object value", Query{Q: "contexts_com_acme_user_1.plan.tier:gold"}, []uint64{3}},
		{"self-describing event field", Query{Q: "unstruct_event_com_acme_click_1.pos.x:5"}, []uint64{3}},
		{"self-describing event string", Query{Q: `unstruct_event_com_acme_click_1.target:"buy now"`}, []uint64{3}},
		{"free text word of a url", Query{Q: "products"}, []uint64{1}},
		{"free text host", Query{Q: "shop.example.com"}, []uint64{1}},
		{"free text phrase", Query{Q: `"example shop"`}, []uint64{1}},
		{"free text entity value", Query{Q: "gold"}, []uint64{3}},
		{"free text struct action", Query{Q: "basket"}, []uint64{2}},
		{"wildcard is case-insensitive", Query{Q: "page_url:*EXAMPLE.com*"}, []uint64{1}},
		{"numeric range", Query{Q: "se_value:>2"}, []uint64{2}},
		{"numeric range excludes", Query{Q: "se_value:>3"}, []uint64{}},
		{"date range in the query", Query{Q: `collector_tstamp:>="2026-04-02T10:02:00Z"`}, []uint64{6, 4, 3}},
		{"time range", Query{Start: t0.Add(time.Minute), End: t0.Add(3 * time.Minute)}, []uint64{3, 2}},
		{"time range open end", Query{Start: t0.Add(4 * time.Minute)}, []uint64{6, 5}},
		{"after seq", Query{AfterSeq: 4}, []uint64{6, 5}},
		{"kinds good", Query{Kinds: []string{KindGood}}, []uint64{6, 3, 2, 1}},
		{"kinds incomplete", Query{Kinds: []string{KindIncomplete}}, []uint64{4}},
		{"kinds bad and incomplete", Query{Kinds: []string{KindBad, KindIncomplete}}, []uint64{5, 4}},
		{"kind in the query", Query{Q: "kind:bad"}, []uint64{5}},
		{"bad row type", Query{Q: "failure_type:adapter_failures"}, []uint64{5}},
		{"bad row message", Query{Q: "failure_message:supported"}, []uint64{5}},
		{"bad row payload", Query{Q: "payload:needle"}, []uint64{5}},
		{"bad row payload as free text", Query{Q: "needle"}, []uint64{5}},
		{"incomplete by schema violation type", Query{Q: "failure_type:schema_violations"}, []uint64{4}},
		{"incomplete by message", Query{Q: "failure_message:required"}, []uint64{4}},
		{"incomplete by failing schema", Query{Q: `failure_schemas:"iglu:com.acme.bad/order/jsonschema/1-0-0"`}, []uint64{4}},
		{"incomplete keeps event fields", Query{Q: "app_id:shop AND kind:incomplete"}, []uint64{4}},
		{"event schema", Query{Q: `schema:"iglu:com.acme/click/jsonschema/1-0-0"`}, []uint64{3}},
		{"entity schema", Query{Q: `contexts:"iglu:com.acme/user/jsonschema/1-0-0"`}, []uint64{6, 3, 2, 1}},
		{"failure entity of the incomplete event", Query{Q: `contexts:"iglu:com.snowplowanalytics.snowplow/failure/jsonschema/1-0-0"`}, []uint64{4}},
		{"event id", Query{Q: "event_id:11111111-1111-4111-8111-111111111111"}, []uint64{1}},
		{"huge value: the record is indexed", Query{Q: "event_name:page_view AND contexts_com_acme_user_1.plan:x*"}, []uint64{6}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := e.seqs(tt.q); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	if st := e.ix.Stats(); st.Unindexable == 0 || st.Docs != 6 || st.IndexedSeq != 6 || st.Lag != 0 || st.DiskBytes == 0 {
		t.Errorf("Stats() = %+v, want 6 docs indexed up to 6, no lag, some unindexable values", st)
	}
}

func TestBadQueries(t *testing.T) {
	e := newEnv(t)
	e.sample()
	for _, q := range []Query{
		{Q: "app_id:(shop"},
		{Q: `"unterminated`},
		{Q: "app_id:/[/"},
		{Q: "AND AND"},
		{Q: "(app_id:shop"},
		{Q: "app_id:shop OR"},
		{Q: "NOT"},
		{Kinds: []string{"weird"}},
		{After: "not a cursor!"},
		{After: "W10"}, // a cursor of another sort
		{Sort: []Sort{{Field: "contexts_com_acme_user_1"}}},
		{Facets: []string{"contexts_com_acme_user_1.plan"}},
		{Histogram: Histogram{Interval: time.Nanosecond}},
		{Q: `collector_tstamp:>"yesterday"`},
	} {
		_, err := e.ix.Search(context.Background(), q)
		var qe *QueryError
		if !errors.As(err, &qe) {
			t.Errorf("Search(%+v) = %v, want a *QueryError", q, err)
		}
	}
}

func TestFilters(t *testing.T) {
	e := newEnv(t)
	e.sample()
	for _, tt := range []struct {
		name    string
		filters []Filter
		want    []uint64
	}{
		{"exact, case-insensitive", []Filter{{Field: "app_id", Values: []string{"BLOG"}}}, []uint64{2}},
		{"exact is not substring", []Filter{{Field: "app_id", Values: []string{"sho"}}}, []uint64{}},
		{"OR within", []Filter{{Field: "app_id", Values: []string{"blog", "shop"}}}, []uint64{6, 4, 3, 2, 1}},
		{"AND across", []Filter{{Field: "app_id", Values: []string{"shop"}}, {Field: "event_name", Values: []string{"page_view"}}}, []uint64{6, 1}},
		{"empty values filter nothing", []Filter{{Field: "app_id", Values: []string{""}}}, []uint64{6, 5, 4, 3, 2, 1}},
		{"substring form", []Filter{{Field: "page_url", Values: []string{"EXAMPLE.COM/prod"}, Substring: true}}, []uint64{1}},
		{"substring with regexp characters", []Filter{{Field: "page_url", Values: []string{"?utm_source="}, Substring: true}}, []uint64{1}},
		{"number", []Filter{{Field: "se_value", Values: []string{"2.5"}}}, []uint64{2}},
		{"boolean", []Filter{{Field: "br_cookies", Values: []string{"true"}}}, []uint64{}},
		{"null", []Filter{{Field: "se_category", Values: []string{"null"}}, {Field: "event_name", Values: []string{"page_view"}}}, []uint64{6, 1}},
		{"timestamp", []Filter{{Field: "collector_tstamp", Values: []string{"2026-04-02T10:01:00.000Z"}}}, []uint64{2}},
		{"whole entity column is ignored", []Filter{{Field: "contexts_com_acme_user_1", Values: []string{"pro"}}}, []uint64{6, 5, 4, 3, 2, 1}},
		{"nested entity field", []Filter{{Field: "contexts_com_acme_user_1.plan", Values: []string{"PRO", "free"}}}, []uint64{2, 1}},
		{"nested entity number", []Filter{{Field: "contexts_com_acme_user_1.age", Values: []string{"30"}}}, []uint64{1}},
		{"unknown column", []Filter{{Field: "nope", Values: []string{"x"}}}, []uint64{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := e.seqs(Query{Filters: tt.filters}); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSort(t *testing.T) {
	e := newEnv(t)
	e.sample()
	good := []string{KindGood}
	for _, tt := range []struct {
		name string
		q    Query
		want []uint64
	}{
		{"seq ascending", Query{Sort: []Sort{{Field: "seq"}}}, []uint64{1, 2, 3, 4, 5, 6}},
		{"time descending", Query{Sort: []Sort{{Field: "collector_tstamp", Desc: true}}, Kinds: good}, []uint64{6, 3, 2, 1}},
		{"string ascending, nulls last", Query{Sort: []Sort{{Field: "se_category"}}, Kinds: good}, []uint64{2, 6, 3, 1}},
		{"string descending, nulls first", Query{Sort: []Sort{{Field: "se_category", Desc: true}}, Kinds: good}, []uint64{6, 3, 1, 2}},
		{"case-insensitive string", Query{Sort: []Sort{{Field: "app_id"}, {Field: "seq"}}, Kinds: good}, []uint64{2, 1, 3, 6}},
		{"number", Query{Sort: []Sort{{Field: "se_value"}}, Q: "se_value:>0"}, []uint64{2}},
		{"event name then newest", Query{Sort: []Sort{{Field: "event_name"}}, Kinds: good}, []uint64{3, 2, 6, 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := e.seqs(tt.q); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPaging(t *testing.T) {
	e := newEnv(t)
	for i := range 57 {
		e.track("e", "pv", "aid", []string{"shop", "blog", "app"}[i%3], "page", "page "+string(rune('a'+i%26)))
	}
	e.sync()
	e.ix.minWindow = 2 // newest-first pages widen their window
	for _, sort := range [][]Sort{nil, {{Field: "app_id"}}, {{Field: "page_title", Desc: true}}, {{Field: "collector_tstamp"}},
		{{Field: "collector_tstamp", Desc: true}}, {{Field: "time", Desc: true}}} {
		var all []uint64
		q := Query{Size: 10, Sort: sort, Kinds: []string{KindGood}}
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("paging does not end")
			}
			res, err := e.ix.Search(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != 57 {
				t.Fatalf("Total = %d, want 57", res.Total)
			}
			for _, h := range res.Hits {
				all = append(all, h.Seq)
			}
			if res.Next == "" {
				break
			}
			q.After = res.Next
		}
		if len(all) != 57 {
			t.Errorf("sort %v: paged through %d hits, want 57", sort, len(all))
		}
		seen := slices.Clone(all)
		slices.Sort(seen)
		if len(slices.Compact(seen)) != 57 {
			t.Errorf("sort %v: duplicates in %v", sort, all)
		}
		// The same order as one big page.
		if one := e.seqs(Query{Size: 100, Sort: sort, Kinds: []string{KindGood}}); !reflect.DeepEqual(one, all) {
			t.Errorf("sort %v: pages give %v, one page %v", sort, all, one)
		}
	}
	// From/Size paging.
	if got := e.seqs(Query{From: 50, Size: 10}); !reflect.DeepEqual(got, []uint64{7, 6, 5, 4, 3, 2, 1}) {
		t.Errorf("From 50 = %v", got)
	}
	if got := e.seqs(Query{From: 57, Size: 10}); len(got) != 0 {
		t.Errorf("From 57 = %v, want none", got)
	}
	// A rare match far from the newest records, found by widening the window.
	if got := e.seqs(Query{Q: "page_title:\"page a\"", Size: 2}); !reflect.DeepEqual(got, []uint64{53, 27}) {
		t.Errorf("rare match = %v, want [53 27]", got)
	}
	res, err := e.ix.Search(context.Background(), Query{Q: "page_title:\"page a\"", Size: 2})
	if err != nil || res.Total != 3 || res.Next == "" {
		t.Fatalf("rare match: total %v, next %q, err %v", res.Total, res.Next, err)
	}
	if got := e.seqs(Query{Q: "page_title:\"page a\"", Size: 2, After: res.Next}); !reflect.DeepEqual(got, []uint64{1}) {
		t.Errorf("rare match, page 2 = %v, want [1]", got)
	}
}

// TestFacetsAndBuckets counts facets and time buckets, with the buckets counted both ways:
// one date-range facet over few matches, and one count per range over many.
func TestFacetsAndBuckets(t *testing.T) {
	for _, faceted := range []int{facetedMatches, 0} {
		t.Run(fmt.Sprintf("faceted=%d", faceted), func(t *testing.T) {
			testFacetsAndBuckets(t, faceted)
		})
	}
}

func testFacetsAndBuckets(t *testing.T, faceted int) {
	e := newEnv(t)
	e.ix.facetedMatches = faceted
	e.sample()
	res, err := e.ix.Search(context.Background(), Query{
		Facets: []string{"app_id", "event_name", "kind", "platform", "schema"},
		Buckets: []TimeRange{
			{Start: t0, End: t0.Add(2 * time.Minute)},
			{Start: t0.Add(2 * time.Minute), End: t0.Add(10 * time.Minute)},
			{Start: t0.Add(time.Hour), End: t0.Add(2 * time.Hour)},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantFacets := map[string][]Term{
		"app_id":     {{"shop", 4}, {"blog", 1}},
		"event_name": {{"page_view", 2}, {"click", 1}, {"event", 1}},
		"kind":       {{"good", 4}, {"bad", 1}, {"incomplete", 1}},
		"platform":   {{"web", 5}},
	}
	for f, want := range wantFacets {
		if got := res.Facets[f]; !reflect.DeepEqual(got, want) {
			t.Errorf("facet %s = %v, want %v", f, got, want)
		}
	}
	if len(res.Facets["schema"]) == 0 {
		t.Errorf("facet schema is empty")
	}
	wantBuckets := []Bucket{
		{TimeRange: TimeRange{t0, t0.Add(2 * time.Minute)}, Good: 2},
		{TimeRange: TimeRange{t0.Add(2 * time.Minute), t0.Add(10 * time.Minute)}, Good: 2, Incomplete: 1, Bad: 1},
		{TimeRange: TimeRange{t0.Add(time.Hour), t0.Add(2 * time.Hour)}},
	}
	if !reflect.DeepEqual(res.Buckets, wantBuckets) {
		t.Errorf("buckets = %+v, want %+v", res.Buckets, wantBuckets)
	}

	// Ranges open at one end keep that end open for the whole span.
	res, err = e.ix.Search(context.Background(), Query{Buckets: []TimeRange{
		{End: t0.Add(2 * time.Minute)},
		{Start: t0.Add(time.Hour), End: t0.Add(2 * time.Hour)},
		{Start: t0.Add(2 * time.Minute)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	wantOpen := []Bucket{
		{TimeRange: TimeRange{End: t0.Add(2 * time.Minute)}, Good: 2},
		{TimeRange: TimeRange{t0.Add(time.Hour), t0.Add(2 * time.Hour)}},
		{TimeRange: TimeRange{Start: t0.Add(2 * time.Minute)}, Good: 2, Incomplete: 1, Bad: 1},
	}
	if !reflect.DeepEqual(res.Buckets, wantOpen) {
		t.Errorf("open-ended buckets = %+v, want %+v", res.Buckets, wantOpen)
	}

	res, err = e.ix.Search(context.Background(), Query{Histogram: Histogram{Interval: 2 * time.Minute}, Q: "app_id:shop"})
	if err != nil {
		t.Fatal(err)
	}
	var counts [][3]int
	for _, b := range res.Buckets {
		counts = append(counts, [3]int{b.Good, b.Incomplete, b.Bad})
	}
	if want := [][3]int{{1, 0, 0}, {1, 1, 0}, {1, 0, 0}}; !reflect.DeepEqual(counts, want) || !res.Buckets[0].Start.Equal(t0) {
		t.Errorf("histogram = %+v, want counts %v from %v", res.Buckets, want, t0)
	}
}
