package kafka

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/plowbox/plowbox/enrich/event"
)

// parseEnrichedTSV reads one enriched TSV line (what Enrich writes to its enriched
// topic: 131 tab-separated fields) into an event, the inverse of event.AppendTSV:
// contexts, derived_contexts and unstruct_event lose their self-describing envelopes.
func parseEnrichedTSV(line string) (*event.Event, error) {
	line = strings.TrimRight(line, "\r\n")
	cols := strings.Split(line, "\t")
	if len(cols) != event.NumFields {
		return nil, fmt.Errorf("an enriched event has %d tab-separated fields, this line %d", event.NumFields, len(cols))
	}
	e := new(event.Event)
	for f, v := range cols {
		if v == "" {
			continue
		}
		switch event.Fields[f].Kind {
		case event.KindContexts, event.KindUnstruct:
			var sdj struct {
				Data json.RawMessage `json:"data"`
			}
			if err := json.Unmarshal([]byte(v), &sdj); err != nil || len(sdj.Data) == 0 {
				return nil, fmt.Errorf("%s is not a self-describing JSON: %.100q", event.Fields[f].Name, v)
			}
			v = string(sdj.Data)
		}
		e.Set(event.Field(f), v)
	}
	if !e.IsSet(event.EventID) {
		return nil, fmt.Errorf("the line has no event_id")
	}
	return e, nil
}
