package enrichments

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/ua-parser/uap-go/uaparser"
	"gopkg.in/yaml.v3"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

// UAParserContextSchema is the schema of the ua_parser_config derived context.
const UAParserContextSchema = "iglu:com.snowplowanalytics.snowplow/ua_parser_context/jsonschema/1-0-0"

// uaCacheSize is the number of user agents whose parse is cached.
const uaCacheSize = 5000

// uaParser is the ua_parser_config enrichment (enrichments.md §3.1).
type uaParser struct {
	base
	parser *uaparser.Parser
}

// uaParserParams are the parameters of ua_parser_config.
type uaParserParams struct {
	asset
}

// buildUAParser checks a ua_parser_config config and loads its rules.
func buildUAParser(b *builder, c *config) (enrich.Enrichment, error) {
	var p uaParserParams
	if err := c.params(&p); err != nil {
		return nil, err
	}
	opts := []uaparser.Option{uaparser.WithCacheSize(uaCacheSize)}
	if p.Database != nil || p.URI != nil {
		if err := p.check("", true); err != nil {
			return nil, err
		}
		path, err := b.resolve("parameters", p.asset)
		if err != nil {
			return nil, err
		}
		text, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read rules: %w", err)
		}
		var def uaparser.RegexDefinitions
		if err := yaml.Unmarshal(text, &def); err != nil {
			return nil, fmt.Errorf("rules %s are not a uap-core regexes.yaml: %w", path, err)
		}
		if len(def.UA) == 0 {
			return nil, fmt.Errorf("rules %s have no user_agent_parsers", path)
		}
		opts = append(opts, uaparser.WithRegexDefinitions(def))
	}
	parser, err := uaparser.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("compile rules: %w", err)
	}
	return &uaParser{base: newBase(c, 6), parser: parser}, nil
}

// Enrich implements enrich.Enrichment.
func (u *uaParser) Enrich(_ context.Context, e *event.Event, _ *enrich.Input) ([]json.RawMessage, error) {
	ua := e.Get(event.Useragent)
	if ua == "" {
		return nil, nil
	}
	return []json.RawMessage{UAParserContext(u.parser, ua)}, nil
}

// UAParserContext parses ua and renders the ua_parser_context entity with its keys in
// Snowplow's order; components the parser does not find are null.
func UAParserContext(p *uaparser.Parser, ua string) json.RawMessage {
	agent := p.ParseUserAgent(ua)
	os := p.ParseOs(ua)
	dev := p.ParseDevice(ua)
	b := make([]byte, 0, 512)
	b = append(b, `{"schema":"`+UAParserContextSchema+`","data":{`...)
	field := func(name, v string, first bool) {
		if !first {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, `":`...)
		if v == "" {
			b = append(b, "null"...)
		} else {
			b = event.AppendJSONString(b, v)
		}
	}
	field("useragentFamily", agent.Family, true)
	field("useragentMajor", agent.Major, false)
	field("useragentMinor", agent.Minor, false)
	field("useragentPatch", agent.Patch, false)
	field("useragentVersion", joinVersion(agent.Family, agent.Major, agent.Minor, agent.Patch), false)
	field("osFamily", os.Family, false)
	field("osMajor", os.Major, false)
	field("osMinor", os.Minor, false)
	field("osPatch", os.Patch, false)
	field("osPatchMinor", os.PatchMinor, false)
	field("osVersion", joinVersion(os.Family, os.Major, os.Minor, os.Patch, os.PatchMinor), false)
	field("deviceFamily", dev.Family, false)
	b = append(b, "}}"...)
	return b
}

// joinVersion renders family, then " "+major, then "."+each further part, appending each
// part only when present.
func joinVersion(family string, parts ...string) string {
	s := family
	for i, p := range parts {
		if p == "" {
			continue
		}
		if i == 0 {
			s += " " + p
		} else {
			s += "." + p
		}
	}
	return s
}
