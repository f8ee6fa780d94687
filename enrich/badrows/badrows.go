package badrows

import (
	"strconv"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/event"
)

// Schema URIs of the bad rows plowbox produces.
const (
	SchemaSizeViolation                   = "iglu:com.snowplowanalytics.snowplow.badrows/size_violation/jsonschema/1-0-0"
	SchemaCollectorPayloadFormatViolation = "iglu:com.snowplowanalytics.snowplow.badrows/collector_payload_format_violation/jsonschema/1-0-0"
	SchemaAdapterFailures                 = "iglu:com.snowplowanalytics.snowplow.badrows/adapter_failures/jsonschema/1-0-0"
	SchemaTrackerProtocolViolations       = "iglu:com.snowplowanalytics.snowplow.badrows/tracker_protocol_violations/jsonschema/1-0-1"
	SchemaSchemaViolations                = "iglu:com.snowplowanalytics.snowplow.badrows/schema_violations/jsonschema/2-0-1"
	SchemaEnrichmentFailures              = "iglu:com.snowplowanalytics.snowplow.badrows/enrichment_failures/jsonschema/2-0-1"
)

// open starts a bad row: {"schema":…,"data":{"processor":{…},"failure":{"timestamp":…
func open(schema string, p Processor, ts time.Time) []byte {
	b := make([]byte, 0, 2048)
	b = append(b, `{"schema":"`...)
	b = append(b, schema...)
	b = append(b, `","data":{"processor":{"artifact":`...)
	b = appendString(b, p.Artifact)
	b = append(b, `,"version":`...)
	b = appendString(b, p.Version)
	b = append(b, `},"failure":{"timestamp":`...)
	return appendString(b, event.FormatISO(ts))
}

// appendMessages appends a JSON array of messages, each capped to its schema.
func appendMessages[M any](dst []byte, ms []M) []byte {
	dst = append(dst, '[')
	for i, m := range ms {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendAny(dst, capMessage(m))
	}
	return append(dst, ']')
}

// SizeViolation builds a size_violation bad row (bad-rows.md §3.1). payload is a textual
// rendering of the collector payload; it is cut to max/10 characters here.
func SizeViolation(p Processor, ts time.Time, max, actual int, payload string) []byte {
	b := open(SchemaSizeViolation, p, ts)
	b = append(b, `,"maximumAllowedSizeBytes":`...)
	b = strconv.AppendInt(b, int64(max), 10)
	b = append(b, `,"actualSizeBytes":`...)
	b = strconv.AppendInt(b, int64(actual), 10)
	b = append(b, `,"expectation":`...)
	exp := "oversized collector payload: Payload exceeds max size of " + strconv.Itoa(max) +
		". Actual length: " + strconv.Itoa(actual)
	b = appendString(b, truncate(exp, capExpectation))
	b = append(b, `},"payload":`...)
	b = appendString(b, cutChars(payload, max/10))
	return append(b, '}', '}')
}

// cutChars cuts s to at most n characters (code points), without a marker.
func cutChars(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// CollectorPayloadFormatViolation builds a collector_payload_format_violation bad row
// (bad-rows.md §3.2) with loader "thrift". message is a LoaderMessage; payload is the
// base64 of the Thrift-encoded payload (see ThriftBase64).
func CollectorPayloadFormatViolation(p Processor, ts time.Time, message any, payload string) []byte {
	b := open(SchemaCollectorPayloadFormatViolation, p, ts)
	b = append(b, `,"loader":"thrift","message":`...)
	b = appendAny(b, capMessage(message))
	b = append(b, `},"payload":`...)
	b = appendString(b, payload)
	return append(b, '}', '}')
}

// AdapterFailures builds an adapter_failures bad row (bad-rows.md §3.3). messages are
// InputData, NotJSON, NotIglu or SchemaMapping values.
func AdapterFailures(p Processor, ts time.Time, vendor, version string, messages []any, cp *collector.Payload) []byte {
	return payloadFailure(SchemaAdapterFailures, p, ts, vendor, version, messages, cp)
}

// TrackerProtocolViolations builds a tracker_protocol_violations 1-0-1 bad row
// (bad-rows.md §3.4). messages are InputData, NotJSON, NotIglu, CriterionMismatch or
// IgluError values.
func TrackerProtocolViolations(p Processor, ts time.Time, vendor, version string, messages []any, cp *collector.Payload) []byte {
	return payloadFailure(SchemaTrackerProtocolViolations, p, ts, vendor, version, messages, cp)
}

// payloadFailure builds the adapter-stage bad rows, whose payload is the collector payload.
func payloadFailure(schema string, p Processor, ts time.Time, vendor, version string, messages []any, cp *collector.Payload) []byte {
	b := open(schema, p, ts)
	b = append(b, `,"vendor":`...)
	b = appendString(b, truncate(vendor, capVendor))
	b = append(b, `,"version":`...)
	b = appendString(b, truncate(version, capVersion))
	b = append(b, `,"messages":`...)
	b = appendMessages(b, messages)
	b = append(b, `},"payload":`...)
	b = AppendCollectorPayload(b, cp, vendor, version)
	return append(b, '}', '}')
}

// SchemaViolations builds a schema_violations 2-0-1 bad row (bad-rows.md §3.5). messages
// are NotJSON, NotIglu, CriterionMismatch or IgluError values; enriched is the partially
// enriched event and raw the raw event it came from.
func SchemaViolations(p Processor, ts time.Time, messages []any, enriched *event.Event, raw *event.RawEvent) []byte {
	b := open(SchemaSchemaViolations, p, ts)
	b = append(b, `,"messages":`...)
	b = appendMessages(b, messages)
	return closeEventFailure(b, enriched, raw)
}

// EnrichmentFailures builds an enrichment_failures 2-0-1 bad row (bad-rows.md §3.6).
func EnrichmentFailures(p Processor, ts time.Time, messages []EnrichmentMessage, enriched *event.Event, raw *event.RawEvent) []byte {
	b := open(SchemaEnrichmentFailures, p, ts)
	b = append(b, `,"messages":`...)
	b = appendMessages(b, messages)
	return closeEventFailure(b, enriched, raw)
}

// closeEventFailure appends the {"enriched","raw"} payload and closes the bad row.
func closeEventFailure(b []byte, enriched *event.Event, raw *event.RawEvent) []byte {
	b = append(b, `},"payload":{"enriched":`...)
	if enriched == nil {
		enriched = &event.Event{}
	}
	b = enriched.AppendPartialJSON(b)
	b = append(b, `,"raw":`...)
	if raw == nil {
		raw = &event.RawEvent{}
	}
	b = AppendRawEvent(b, raw)
	return append(b, '}', '}', '}')
}
