package enrichments

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

// Referer is the result of classifying a referrer.
type Referer struct {
	Medium string // internal, search, social, email, paid, unknown, …
	Source string // e.g. Google; "" when unknown
	Term   string // the search term; "" when none
}

// RefererDB is a referer-parser database: known referrer hosts (optionally with a path)
// and their medium, source name and search parameters.
type RefererDB struct {
	byHost map[string]*refererEntry
}

// refererEntry is one known referrer.
type refererEntry struct {
	medium, source string
	params         []string
}

// ParseRefererDB parses a referer-parser database in its YAML or JSON form:
// {<medium>: {<source>: {"domains": […], "parameters": […]}}}. A later entry for the same
// domain replaces an earlier one.
func ParseRefererDB(data []byte) (*RefererDB, error) {
	db := &RefererDB{byHost: map[string]*refererEntry{}}
	if err := db.add(data); err != nil {
		return nil, err
	}
	return db, nil
}

// add merges a database document into db.
func (db *RefererDB) add(data []byte) error {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return fmt.Errorf("parse referer database: %w", err)
	}
	if len(root.Content) == 0 {
		return fmt.Errorf("referer database is empty")
	}
	media := root.Content[0]
	if media.Kind != yaml.MappingNode {
		return fmt.Errorf("referer database must map media to sources")
	}
	for i := 0; i+1 < len(media.Content); i += 2 {
		medium, sources := media.Content[i].Value, media.Content[i+1]
		if sources.Kind != yaml.MappingNode {
			return fmt.Errorf("referer database: medium %q must map source names to entries", medium)
		}
		for j := 0; j+1 < len(sources.Content); j += 2 {
			source := sources.Content[j].Value
			var ent struct {
				Domains    []string `yaml:"domains"`
				Parameters []string `yaml:"parameters"`
			}
			if err := sources.Content[j+1].Decode(&ent); err != nil {
				return fmt.Errorf("referer database: %s/%s: %w", medium, source, err)
			}
			if len(ent.Domains) == 0 {
				return fmt.Errorf("referer database: %s/%s has no domains", medium, source)
			}
			e := &refererEntry{medium: medium, source: source, params: ent.Parameters}
			for _, d := range ent.Domains {
				db.byHost[strings.ToLower(d)] = e
			}
		}
	}
	return nil
}

// Len is the number of known referrer domains.
func (db *RefererDB) Len() int { return len(db.byHost) }

// Classify classifies a referrer URI given its parts (as enriched-event.md §6 explodes
// them) and the page host. ok is false for schemes other than http and https, whose
// referrers are not classified.
func (db *RefererDB) Classify(scheme, host, path, rawQuery, pageHost string, internal []string) (r Referer, ok bool) {
	scheme = strings.ToLower(scheme)
	if (scheme != "http" && scheme != "https") || host == "" {
		return Referer{}, false
	}
	host = strings.ToLower(host)
	if host == strings.ToLower(pageHost) {
		return Referer{Medium: "internal"}, true
	}
	for _, d := range internal {
		if strings.TrimSpace(d) == host {
			return Referer{Medium: "internal"}, true
		}
	}
	ent := db.lookup(host, path)
	if ent == nil {
		return Referer{Medium: "unknown"}, true
	}
	r = Referer{Medium: ent.medium, Source: ent.source}
	if ent.medium == "search" && len(ent.params) > 0 {
		for _, p := range parseQueryLenient(rawQuery) {
			if p.Value != nil && slices.Contains(ent.params, p.Name) {
				r.Term = *p.Value
				break
			}
		}
	}
	return r, true
}

// lookup finds the entry of a referrer: host+path, then host+first path segment, then
// host alone, each tried for the host and then for each parent domain.
func (db *RefererDB) lookup(host, path string) *refererEntry {
	paths := make([]string, 0, 3)
	if path != "" && path != "/" {
		paths = append(paths, path)
		if segs := strings.Split(path, "/"); len(segs) > 2 || (len(segs) == 2 && "/"+segs[1] != path) {
			paths = append(paths, "/"+segs[1])
		}
	}
	paths = append(paths, "")
	for _, p := range paths {
		for h := host; ; {
			if e := db.byHost[h+p]; e != nil {
				return e
			}
			i := strings.IndexByte(h, '.')
			if i < 0 {
				break
			}
			h = h[i+1:]
		}
	}
	return nil
}

// refererParser is the referer_parser enrichment (enrichments.md §3.5).
type refererParser struct {
	base
	db       *RefererDB
	internal []string
}

// refererParams are the parameters of referer_parser 2-0-*.
type refererParams struct {
	asset
	InternalDomains *[]string       `json:"internalDomains"`
	Referrers       json.RawMessage `json:"referrers"`
}

// buildRefererParser checks a referer_parser config and loads its database.
func buildRefererParser(b *builder, c *config) (enrich.Enrichment, error) {
	var p refererParams
	if err := c.params(&p); err != nil {
		return nil, err
	}
	if p.InternalDomains == nil {
		return nil, fieldErr("internalDomains", "is required")
	}
	if err := p.check("", true); err != nil {
		return nil, err
	}
	path, err := b.resolve("parameters", p.asset)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read referer database: %w", err)
	}
	db, err := ParseRefererDB(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(p.Referrers) > 0 && string(p.Referrers) != "null" {
		if err := db.add(p.Referrers); err != nil {
			return nil, fieldErr("referrers", "%v", err)
		}
	}
	return &refererParser{base: newBase(c, 8), db: db, internal: *p.InternalDomains}, nil
}

// Enrich implements enrich.Enrichment.
func (rp *refererParser) Enrich(_ context.Context, e *event.Event, _ *enrich.Input) ([]json.RawMessage, error) {
	if e.Get(event.PageReferrer) == "" {
		return nil, nil
	}
	r, ok := rp.db.Classify(e.Get(event.RefrURLscheme), e.Get(event.RefrURLhost), e.Get(event.RefrURLpath),
		e.Get(event.RefrURLquery), e.Get(event.PageURLhost), rp.internal)
	if !ok {
		return nil, nil
	}
	e.Set(event.RefrMedium, r.Medium)
	e.Set(event.RefrSource, event.CleanTSV(r.Source))
	e.Set(event.RefrTerm, event.CleanTSV(r.Term))
	return nil, nil
}
