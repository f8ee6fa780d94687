package adapters

import (
	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/enrich/event"
)

// vendors holds the third-party webhook adapters. Each vendor file adds its entry with
// register from an init function; the table is never written after package initialisation.
var vendors = map[API]Adapter{}

// register adds a vendor adapter to the vendor table. It must be called only from init
// functions, and panics on a duplicate registration, which is a programming error.
func register(vendor, version string, a Adapter) {
	api := API{vendor, version}
	if _, dup := vendors[api]; dup {
		panic("adapters: duplicate registration of " + api.String())
	}
	vendors[api] = a
}

// Options configures the built-in adapters.
type Options struct {
	// MaxJSONDepth limits the nesting of JSON bodies. 0 means 50.
	MaxJSONDepth int
}

// Registry maps vendor/version APIs to adapters.
type Registry struct {
	adapters map[API]Adapter
}

// NewRegistry returns a registry holding the built-in adapters (tp1, tp2, r/tp2, the Iglu
// webhook) and every registered vendor adapter.
func NewRegistry(opts Options) *Registry {
	if opts.MaxJSONDepth <= 0 {
		opts.MaxJSONDepth = DefaultMaxJSONDepth
	}
	r := &Registry{adapters: make(map[API]Adapter, len(vendors)+4)}
	for api, a := range vendors {
		r.adapters[api] = a
	}
	r.adapters[TP1] = AdapterFunc(adaptTP1)
	r.adapters[TP2] = tp2Adapter{maxDepth: opts.MaxJSONDepth}
	r.adapters[Redirect] = redirectAdapter{maxDepth: opts.MaxJSONDepth}
	r.adapters[Iglu] = igluAdapter{maxDepth: opts.MaxJSONDepth}
	return r
}

// Register adds or replaces the adapter of vendor/version.
func (r *Registry) Register(vendor, version string, a Adapter) {
	r.adapters[API{vendor, version}] = a
}

// Lookup returns the adapter of vendor/version.
func (r *Registry) Lookup(vendor, version string) (Adapter, bool) {
	a, ok := r.adapters[API{vendor, version}]
	return a, ok
}

// Adapt runs the adapter of the payload's API. An API without an adapter is an
// adapter_failures failure with the message "vendor/version combination is not supported".
func (r *Registry) Adapt(p *collector.Payload, query event.Params) ([]event.Params, *Failure) {
	vendor, version, _ := p.API()
	a, ok := r.Lookup(vendor, version)
	if !ok {
		v := vendor + "/" + version
		return nil, &Failure{Kind: AdapterFailures, Messages: []any{
			badrows.InputData{Field: "vendor/version", Value: &v, Expectation: "vendor/version combination is not supported"},
		}}
	}
	return a.Adapt(p, query)
}
