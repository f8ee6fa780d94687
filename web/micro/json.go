package micro

import (
	"encoding/json"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/web/httpkit"
)

// The JSON forms of Micro's /micro/good and /micro/bad answers
// (https://docs.snowplow.io/docs/testing/snowplow-micro/). Struct field order is the wire key order.

type microAPI struct {
	Vendor  string `json:"vendor"`
	Version string `json:"version"`
}

type microSource struct {
	Name     string  `json:"name"`
	Encoding string  `json:"encoding"`
	Hostname *string `json:"hostname"`
}

type microContext struct {
	Timestamp  string   `json:"timestamp"`
	IPAddress  string   `json:"ipAddress"`
	Useragent  *string  `json:"useragent"`
	RefererURI *string  `json:"refererUri"`
	Headers    []string `json:"headers"`
	UserID     *string  `json:"userId"`
}

type microRawEvent struct {
	API         microAPI        `json:"api"`
	Parameters  json.RawMessage `json:"parameters"`
	ContentType *string         `json:"contentType"`
	Source      microSource     `json:"source"`
	Context     microContext    `json:"context"`
}

type goodEvent struct {
	RawEvent   *microRawEvent  `json:"rawEvent"`
	EventType  *string         `json:"eventType"`
	Schema     *string         `json:"schema"`
	Contexts   []string        `json:"contexts"`
	Event      json.RawMessage `json:"event"`
	Incomplete bool            `json:"incomplete"`
}

type badEvent struct {
	CollectorPayload json.RawMessage   `json:"collectorPayload"`
	RawEvent         *microRawEvent    `json:"rawEvent"`
	Errors           []string          `json:"errors"`
	BadRows          []json.RawMessage `json:"badRows,omitempty"`
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func microContextOf(p *collector.Payload) microContext {
	headers := p.Headers
	if headers == nil {
		headers = []string{}
	}
	return microContext{
		Timestamp:  p.Timestamp.UTC().Format("2006-01-02T15:04:05.000Z"),
		IPAddress:  p.IPAddress,
		Useragent:  p.UserAgent,
		RefererURI: p.RefererURI,
		Headers:    headers,
		UserID:     p.NetworkUserID,
	}
}

func microSourceOf(p *collector.Payload) microSource {
	return microSource{Name: p.Collector, Encoding: p.Encoding, Hostname: p.Hostname}
}

// apiOf returns the payload's vendor and version as the Micro API reports them.
func apiOf(p *collector.Payload) microAPI {
	vendor, version, _ := p.API()
	return microAPI{Vendor: vendor, Version: version}
}

// rawEventOf renders a raw event in Micro's RawEvent form.
// parameters is a flat map: one key per name, the last value wins at the first position.
func rawEventOf(r *event.RawEvent) *microRawEvent {
	seen := make(map[string]int, len(r.Params))
	var flat event.Params
	for _, p := range r.Params {
		if i, ok := seen[p.Name]; ok {
			flat[i].Value = p.Value
			continue
		}
		seen[p.Name] = len(flat)
		flat = append(flat, p)
	}
	params := []byte{'{'}
	for i, p := range flat {
		if i > 0 {
			params = append(params, ',')
		}
		params = event.AppendJSONString(params, p.Name)
		params = append(params, ':')
		if p.Value == nil {
			params = append(params, "null"...)
		} else {
			params = event.AppendJSONString(params, *p.Value)
		}
	}
	params = append(params, '}')
	p := r.Payload
	return &microRawEvent{
		API:         microAPI{Vendor: r.Vendor, Version: r.Version},
		Parameters:  params,
		ContentType: p.ContentType,
		Source:      microSourceOf(p),
		Context:     microContextOf(p),
	}
}

// collectorPayloadOf renders a payload in Micro's CollectorPayload form.
func collectorPayloadOf(p *collector.Payload) json.RawMessage {
	query, _ := event.ParseQuery(p.Querystring) // a payload past the load step parses
	return enrich.AppendMicroPayloadJSON(nil, p, query)
}

// goodEventOf renders a stored good or incomplete event as a Micro GoodEvent.
func goodEventOf(rec *store.Record) ([]byte, error) {
	ev := rec.Event
	contexts := ev.ContextURIs()
	if contexts == nil {
		contexts = []string{}
	}
	return httpkit.Marshal(goodEvent{
		RawEvent:   rawEventOf(rec.Raw),
		EventType:  nullable(ev.Get(event.EventType)),
		Schema:     nullable(ev.SchemaURI()),
		Contexts:   contexts,
		Event:      ev.AppendSDKJSON(nil),
		Incomplete: rec.Stage != enrich.StageGood,
	})
}

// badEventMessages is errors[0] of a BadEvent for each failing stage, in Micro's words.
var badEventMessages = map[enrich.Stage]string{
	enrich.StageSize:       "Collector payload exceeds the maximum allowed size.",
	enrich.StageLoad:       "Can't deserialize Thrift bytes.",
	enrich.StageAdapter:    "Error while extracting event(s) from collector payload and validating it/them.",
	enrich.StageValidation: "Error while validating the event.",
}

// badEventOf renders a stored bad row as a Micro BadEvent; withRows adds the opt-in
// structured badRows key.
func badEventOf(rec *store.Record, withRows bool) ([]byte, error) {
	b := badEvent{Errors: []string{badEventMessages[rec.Stage], string(rec.BadRow)}}
	switch rec.Stage {
	case enrich.StageAdapter:
		b.CollectorPayload = collectorPayloadOf(rec.Payload)
	case enrich.StageValidation:
		b.CollectorPayload = collectorPayloadOf(rec.Payload)
		b.RawEvent = rawEventOf(rec.Raw)
	}
	if withRows {
		b.BadRows = []json.RawMessage{rec.BadRow}
	}
	return httpkit.Marshal(b)
}
