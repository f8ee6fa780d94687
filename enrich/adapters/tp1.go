package adapters

import (
	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/enrich/event"
)

// adaptTP1 is the tracker protocol v1 adapter (tracker-protocol.md §6.1): the whole query
// string is one event; an empty one is an adapter failure.
func adaptTP1(_ *collector.Payload, query event.Params) ([]event.Params, *Failure) {
	if len(query) == 0 {
		return nil, &Failure{Kind: AdapterFailures, Messages: []any{
			badrows.InputData{Field: "querystring", Expectation: "empty querystring: not a valid URI redirect"},
		}}
	}
	return []event.Params{clone(query)}, nil
}

// clone returns a copy of ps that adapters may modify.
func clone(ps event.Params) event.Params {
	return append(event.Params(nil), ps...)
}

// strp returns a pointer to s.
func strp(s string) *string { return &s }
