package enrich

import (
	"regexp"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/enrich/event"
)

// payloadSchemaRe is the criterion collector payloads must match.
var payloadSchemaRe = regexp.MustCompile(`^iglu:com\.snowplowanalytics\.snowplow/CollectorPayload/thrift/1-0-[0-9]+$`)

// load checks the payload record itself (enriched-event.md §1 step 1) and decodes its
// query string. A non-nil message is the collector_payload_format_violation message.
func load(p *collector.Payload) (event.Params, any) {
	if p.Schema != "" && !payloadSchemaRe.MatchString(p.Schema) {
		return nil, badrows.ErrorMessage{Error: "verifying record as iglu:com.snowplowanalytics.snowplow/CollectorPayload/thrift/1-0-* failed: found " + p.Schema}
	}
	if _, _, ok := p.API(); !ok {
		return nil, badrows.ErrorMessage{Error: "Request path " + p.Path + " does not match (/)vendor/version(/) pattern nor is a legacy /i(ce.png) request"}
	}
	query, err := event.ParseQuery(p.Querystring)
	if err != nil {
		return nil, badrows.ErrorMessage{Error: "could not parse the querystring: " + err.Error()}
	}
	if p.NetworkUserID != nil && !isUUID(*p.NetworkUserID) {
		return nil, badrows.LoaderMessage{PayloadField: "networkUserId", Value: p.NetworkUserID, Expectation: "a valid UUID"}
	}
	return query, nil
}
