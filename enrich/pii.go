package enrich

import (
	"encoding/json"

	"github.com/plowbox/plowbox/enrich/event"
)

// parentEventSchema is the schema of the entity linking a pii_transformation event to the
// event it describes.
const parentEventSchema = "iglu:com.snowplowanalytics.snowplow/parent_event/jsonschema/1-0-0"

// piiEvent builds the pii_transformation event the PII enrichment emits beside parent
// (enrichments.md §3.9), as Snowplow Enrich does: a server-side self-describing event
// carrying sdj, with a parent_event entity naming the parent's event_id.
func (en *Enricher) piiEvent(parent *event.Event, sdj json.RawMessage) *event.Event {
	e := &event.Event{}
	e.Set(event.EventID, newUUID())
	e.Set(event.AppID, parent.Get(event.AppID))
	e.Set(event.Platform, "srv")
	e.Set(event.EtlTstamp, parent.Get(event.EtlTstamp))
	e.Set(event.CollectorTstamp, parent.Get(event.CollectorTstamp))
	// Upstream stamps derived_tstamp and true_tstamp with the time the event is made,
	// which is the processing time.
	e.Set(event.DerivedTstamp, parent.Get(event.EtlTstamp))
	e.Set(event.TrueTstamp, parent.Get(event.EtlTstamp))
	e.Set(event.EventType, "pii_transformation")
	e.Set(event.EventVendor, "com.snowplowanalytics.snowplow")
	e.Set(event.EventName, "pii_transformation")
	e.Set(event.EventFormat, "jsonschema")
	e.Set(event.EventVersion, "1-0-0")
	e.Set(event.VEtl, en.name)
	e.Set(event.UnstructEvent, string(sdj))
	b := []byte(`[{"schema":"` + parentEventSchema + `","data":{"parentEventId":`)
	b = event.AppendJSONString(b, parent.Get(event.EventID))
	e.Set(event.Contexts, string(append(b, "}}]"...)))
	return e
}
