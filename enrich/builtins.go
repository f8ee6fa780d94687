package enrich

import (
	"strings"

	"github.com/plowbox/plowbox/enrich/adapters"
	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/enrich/event"
)

// builtinSchemas maps the built-in event types to event_vendor/name/format/version.
var builtinSchemas = map[string][4]string{
	"page_view":        {"com.snowplowanalytics.snowplow", "page_view", "jsonschema", "1-0-0"},
	"page_ping":        {"com.snowplowanalytics.snowplow", "page_ping", "jsonschema", "1-0-0"},
	"struct":           {"com.google.analytics", "event", "jsonschema", "1-0-0"},
	"transaction":      {"com.snowplowanalytics.snowplow", "transaction", "jsonschema", "1-0-0"},
	"transaction_item": {"com.snowplowanalytics.snowplow", "transaction_item", "jsonschema", "1-0-0"},
}

// checkVCollector is phase 2 step 1: v_collector must be set.
func checkVCollector(e *event.Event, is *issues) {
	if !e.IsSet(event.VCollector) {
		is.addEnrichment(nil, badrows.InputData{Field: "v_collector", Expectation: "should be set"})
	}
}

// pageURI is phase 2 step 2: page_url (from url, else the Referer header) is parsed and
// exploded into the page_url* fields.
func pageURI(e *event.Event, raw *event.RawEvent, is *issues) {
	uri := e.Get(event.PageURL)
	if uri == "" && raw.Payload != nil && raw.Payload.RefererURI != nil {
		uri = event.CleanTSV(*raw.Payload.RefererURI)
	}
	if uri == "" {
		return
	}
	p, err := parseURI(uri)
	if err != nil {
		e.Set(event.PageURL, "")
		is.addEnrichment(nil, badrows.InputData{Field: "page_url", Value: strp(uri), Expectation: err.Error()})
		return
	}
	e.Set(event.PageURL, event.CleanTSV(p.uri))
	setURIFields(e, event.PageURLscheme, p)
}

// derivedTstamp is phase 2 step 3 (enriched-event.md §5).
func derivedTstamp(e *event.Event) {
	if t, ok := e.Time(event.TrueTstamp); ok {
		e.SetTime(event.DerivedTstamp, t)
		return
	}
	ct, ok := e.Time(event.CollectorTstamp)
	if !ok {
		return
	}
	created, ok1 := e.Time(event.DvceCreatedTstamp)
	sent, ok2 := e.Time(event.DvceSentTstamp)
	if ok1 && ok2 && created.Before(sent) {
		e.SetTime(event.DerivedTstamp, ct.Add(-sent.Sub(created)))
		return
	}
	e.SetTime(event.DerivedTstamp, ct)
}

// refererURI is the built-in half of phase 2 step 8: page_referrer is exploded into the
// refr_url* fields.
func refererURI(e *event.Event, is *issues) {
	uri := e.Get(event.PageReferrer)
	if uri == "" {
		return
	}
	p, err := parseURI(uri)
	if err != nil {
		e.Set(event.PageReferrer, "")
		is.addEnrichment(nil, badrows.InputData{Field: "page_referrer", Value: strp(uri), Expectation: err.Error()})
		return
	}
	setURIFields(e, event.RefrURLscheme, p)
}

// pageQuery is phase 2 step 9: the page URL's query string, decoded leniently.
func pageQuery(e *event.Event) event.Params {
	q := e.Get(event.PageURLquery)
	if q == "" {
		return nil
	}
	ps, err := event.ParseQuery(q)
	if err != nil {
		ps, _ = event.ParseQuery(fixPercent(q))
	}
	return ps
}

// crossDomain is phase 2 step 11: the _sp page-URL parameter sets refr_domain_userid and
// refr_dvce_tstamp.
func crossDomain(e *event.Event, query event.Params, is *issues) {
	sp, ok := query.Get("_sp")
	if !ok || sp == "" {
		return
	}
	parts := strings.Split(sp, ".")
	e.Set(event.RefrDomainUserid, event.CleanTSV(parts[0]))
	if len(parts) < 2 || parts[1] == "" {
		return
	}
	t, err := parseMillis(parts[1])
	if err != nil {
		is.addEnrichment(nil, badrows.InputData{Field: "sp_dtm", Value: strp(parts[1]), Expectation: "not in the expected format: ms since epoch"})
		return
	}
	e.SetTime(event.RefrDvceTstamp, t)
}

// eventSchema is phase 2 step 17 (enriched-event.md §3): event_vendor, event_name,
// event_format and event_version.
func eventSchema(e *event.Event, is *issues) {
	ev := e.Get(event.EventType)
	if s, ok := builtinSchemas[ev]; ok {
		e.Set(event.EventVendor, s[0])
		e.Set(event.EventName, s[1])
		e.Set(event.EventFormat, s[2])
		e.Set(event.EventVersion, s[3])
		return
	}
	if ev == "unstruct" {
		ue := e.Get(event.UnstructEvent)
		if ue == "" {
			return
		}
		sdj, code := adapters.ParseSDJ([]byte(ue))
		if code != "" {
			return
		}
		e.Set(event.EventVendor, sdj.Key.Vendor)
		e.Set(event.EventName, sdj.Key.Name)
		e.Set(event.EventFormat, sdj.Key.Format)
		e.Set(event.EventVersion, sdj.Key.Version())
		return
	}
	shown := ev
	if shown == "" {
		shown = "null"
	}
	is.addEnrichment(nil, badrows.ErrorMessage{Error: "trying to extract the schema of the enriched event but event type [" + shown +
		"] doesn't match any of page_view, page_ping, struct, transaction, transaction_item and unstruct"})
}
