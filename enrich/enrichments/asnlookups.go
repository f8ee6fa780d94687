package enrichments

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

// asnLookups is the asn_lookups enrichment: it sets likelyBot on
// the asn entity that ip_lookups derived, true when the autonomous system is one of the
// configured bot ASNs and false otherwise, except for the bypassed platforms
// (https://docs.snowplow.io/docs/pipeline/enrichments/available-enrichments/asn-lookup-enrichment/).
type asnLookups struct {
	base
	bots   map[int64]bool
	bypass []string
}

// buildASNLookups checks an asn_lookups config and reads its CSV of bot ASNs: a header
// row, then number,name rows (only the number is used).
func buildASNLookups(b *builder, c *config) (enrich.Enrichment, error) {
	var p struct {
		BotAsnsFile *asset `json:"botAsnsFile"`
		BotAsns     []struct {
			ASN  *json.Number `json:"asn"`
			Name *string      `json:"name"`
		} `json:"botAsns"`
		BypassPlatforms []string `json:"bypassPlatforms"`
	}
	if err := c.params(&p); err != nil {
		return nil, err
	}
	a := &asnLookups{base: newBase(c, 19), bots: map[int64]bool{}, bypass: p.BypassPlatforms}
	for i, e := range p.BotAsns {
		if e.ASN == nil {
			return nil, fieldErr(fmt.Sprintf("botAsns[%d].asn", i), "is required")
		}
		n, err := e.ASN.Int64()
		if err != nil || n < 0 || n > 2147483647 {
			return nil, fieldErr(fmt.Sprintf("botAsns[%d].asn", i), "must be an integer from 0 to 2147483647, not %s", *e.ASN)
		}
		a.bots[n] = true
	}
	if p.BotAsnsFile != nil {
		if err := p.BotAsnsFile.check("botAsnsFile", true); err != nil {
			return nil, err
		}
		path, err := b.resolve("parameters.botAsnsFile", *p.BotAsnsFile)
		if err != nil {
			return nil, err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("parameters.botAsnsFile: %w", err)
		}
		if err := readBotASNs(data, a.bots); err != nil {
			return nil, fmt.Errorf("parameters.botAsnsFile: %s: %w", *p.BotAsnsFile.Database, err)
		}
	}
	return a, nil
}

// readBotASNs adds the ASNs of a number,name CSV to bots; a first row whose number is
// not a number is the header.
func readBotASNs(data []byte, bots map[int64]bool) error {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	for line := 1; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		field := strings.TrimSpace(rec[0])
		n, err := strconv.ParseInt(strings.TrimPrefix(strings.ToUpper(field), "AS"), 10, 64)
		switch {
		case err != nil && line == 1:
			continue // the header
		case err != nil || n < 0:
			return fmt.Errorf("line %d: the ASN %q is not a number", line, field)
		}
		bots[n] = true
	}
}

// Enrich implements enrich.Enrichment: the asn entity among the derived contexts gets
// likelyBot, appended last.
func (a *asnLookups) Enrich(_ context.Context, e *event.Event, in *enrich.Input) ([]json.RawMessage, error) {
	if in == nil || slices.Contains(a.bypass, e.Get(event.Platform)) {
		return nil, nil
	}
	for i, raw := range in.Derived {
		var sdj struct {
			Schema string          `json:"schema"`
			Data   json.RawMessage `json:"data"`
		}
		if json.Unmarshal(raw, &sdj) != nil || sdj.Schema != ASNSchema {
			continue
		}
		var asn struct {
			Number *int64 `json:"number"`
		}
		data := bytes.TrimSpace(sdj.Data)
		if json.Unmarshal(data, &asn) != nil || asn.Number == nil || len(data) < 2 || bytes.Contains(data, []byte(`"likelyBot"`)) {
			continue
		}
		out := append([]byte(`{"schema":"`+ASNSchema+`","data":`), data[:len(data)-1]...)
		out = append(out, `,"likelyBot":`+strconv.FormatBool(a.bots[*asn.Number])+`}}`...)
		derived := slices.Clone(in.Derived)
		derived[i] = out
		in.Derived = derived
	}
	return nil, nil
}
