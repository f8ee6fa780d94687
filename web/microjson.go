package web

import (
	"bytes"
	"encoding/json"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
	"github.com/plowbox/plowbox/store"
)

// The Micro JSON forms of micro-api.md §4–§5. Struct field order is the wire key order.

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

// marshal encodes v compactly without HTML escaping, as Micro's encoder does.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
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

// rawEventOf renders a raw event in Micro's RawEvent form (micro-api.md §4.2).
func rawEventOf(r *event.RawEvent) (*microRawEvent, error) {
	var params bytes.Buffer
	params.WriteByte('{')
	seen := make(map[string]int, len(r.Params))
	// parameters is a flat map: one key per name, the last value wins, first position kept.
	type kv struct {
		name  string
		value *string
	}
	var ordered []kv
	for _, p := range r.Params {
		if i, ok := seen[p.Name]; ok {
			ordered[i].value = p.Value
			continue
		}
		seen[p.Name] = len(ordered)
		ordered = append(ordered, kv{p.Name, p.Value})
	}
	for i, p := range ordered {
		if i > 0 {
			params.WriteByte(',')
		}
		k, err := marshal(p.name)
		if err != nil {
			return nil, err
		}
		v, err := marshal(p.value)
		if err != nil {
			return nil, err
		}
		params.Write(k)
		params.WriteByte(':')
		params.Write(v)
	}
	params.WriteByte('}')
	p := r.Payload
	return &microRawEvent{
		API:         microAPI{Vendor: r.Vendor, Version: r.Version},
		Parameters:  params.Bytes(),
		ContentType: p.ContentType,
		Source:      microSourceOf(p),
		Context:     microContextOf(p),
	}, nil
}

// collectorPayloadOf renders a payload in Micro's CollectorPayload form (micro-api.md §5.2).
func collectorPayloadOf(p *collector.Payload) json.RawMessage {
	query, _ := event.ParseQuery(p.Querystring) // a payload past the load step parses
	return enrich.AppendMicroPayloadJSON(nil, p, query)
}

// goodEventOf renders a stored good or incomplete event as a Micro GoodEvent.
func goodEventOf(rec *store.Record) ([]byte, error) {
	ev := rec.Event
	raw, err := rawEventOf(rec.Raw)
	if err != nil {
		return nil, err
	}
	contexts := ev.ContextURIs()
	if contexts == nil {
		contexts = []string{}
	}
	return marshal(goodEvent{
		RawEvent:   raw,
		EventType:  nullable(ev.Get(event.EventType)),
		Schema:     nullable(ev.SchemaURI()),
		Contexts:   contexts,
		Event:      ev.AppendSDKJSON(nil),
		Incomplete: rec.Stage != enrich.StageGood,
	})
}

// badEventMessages is errors[0] of a BadEvent for each failing stage (micro-api.md §5.1).
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
		raw, err := rawEventOf(rec.Raw)
		if err != nil {
			return nil, err
		}
		b.RawEvent = raw
	}
	if withRows {
		b.BadRows = []json.RawMessage{rec.BadRow}
	}
	return marshal(b)
}
