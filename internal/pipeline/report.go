package pipeline

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

// report prints the event log lines and the --output records of one result.
func (p *Pipeline) report(res *enrich.Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, o := range res.Outputs {
		if o.Stage == enrich.StageGood {
			if p.opts.EventLog {
				ev := o.Event
				fmt.Fprintf(p.opts.Stderr, "%s EventLog GOOD id:%s app_id:%s type:%s (%s)\n", logTime(), ev.Get(event.EventID), ev.Get(event.AppID), ev.Get(event.EventType), ev.SchemaURI())
			}
			switch p.opts.Output {
			case "tsv":
				p.out.Write(o.Event.TSV())
				p.out.WriteByte('\n')
			case "json":
				p.out.Write(o.Event.AppendLossyJSON(nil))
				p.out.WriteByte('\n')
			}
			continue
		}
		if p.opts.EventLog {
			fmt.Fprintf(p.opts.Stderr, "%s EventLog BAD %s\n", logTime(), BadRowSummary(o.BadRow))
		}
	}
	if p.opts.Output != "" {
		p.out.Flush()
	}
}

func logTime() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000Z") }

// BadRowSummary renders a bad row as its type and failure messages on one line.
func BadRowSummary(row []byte) string {
	var br struct {
		Schema string `json:"schema"`
		Data   struct {
			Failure struct {
				Messages json.RawMessage `json:"messages"`
			} `json:"failure"`
		} `json:"data"`
	}
	if err := json.Unmarshal(row, &br); err != nil {
		return string(row)
	}
	kind := br.Schema
	if i := strings.Index(kind, "badrows/"); i >= 0 {
		kind = strings.SplitN(kind[i+len("badrows/"):], "/", 2)[0]
	}
	if len(br.Data.Failure.Messages) == 0 {
		return kind
	}
	return kind + " " + string(br.Data.Failure.Messages)
}
