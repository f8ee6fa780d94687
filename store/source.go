package store

import "strings"

// TapCollectorPrefix starts the collector name of the payload of every record a tap read
// from a running pipeline's topics ("tap-<topic>"), rather than plowbox's collector
// received: the payload is a stand-in built from the event or bad row.
const TapCollectorPrefix = "tap-"

// Tapped reports whether the record came from a tap. Followers that deliver records to a
// pipeline (Kafka sinks, the relay) skip tapped ones: they came from there.
func (r *Record) Tapped() bool {
	return r.Payload != nil && strings.HasPrefix(r.Payload.Collector, TapCollectorPrefix)
}
