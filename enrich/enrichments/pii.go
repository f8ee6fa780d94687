package enrichments

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"hash"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

// piiHashes are the hashFunction values of pii_enrichment_config.
var piiHashes = map[string]func() hash.Hash{
	"MD2": newMD2, "MD5": md5.New, "SHA-1": sha1.New, "SHA-256": sha256.New, "SHA-384": sha512.New384, "SHA-512": sha512.New,
}

// piiPojoFields are the atomic fields pii_enrichment_config may pseudonymise.
var piiPojoFields = []string{"user_id", "user_ipaddress", "user_fingerprint", "domain_userid", "network_userid",
	"ip_organization", "ip_domain", "tr_orderid", "ti_orderid", "mkt_term", "mkt_content", "se_category", "se_action",
	"se_label", "se_property", "mkt_clickid", "refr_domain_userid", "domain_sessionid"}

// schemaCriterionRe matches an Iglu schema criterion such as iglu:com.acme/user/jsonschema/1-*-*.
var schemaCriterionRe = regexp.MustCompile(`^iglu:([a-zA-Z0-9-_.]+)/([a-zA-Z0-9-_]+)/([a-zA-Z0-9-_]+)/([1-9][0-9]*|\*)-((?:0|[1-9][0-9]*)|\*)-((?:0|[1-9][0-9]*)|\*)$`)

// pii is the pii_enrichment_config enrichment (enrichments.md §3.9): it pseudonymises
// atomic fields and JSON paths inside unstruct_event, contexts and the derived contexts
// of the earlier enrichments. With emitEvent it also hands the pipeline a
// pii_transformation record of what it changed.
type pii struct {
	base
	newHash       func() hash.Hash
	hashName      string // the configured hashFunction, as the pii_transformation event names it
	salt          string
	fields        []event.Field
	json          []piiJSON
	anonymousOnly bool
	emitEvent     bool
}

// piiJSON is one JSON field to pseudonymise.
type piiJSON struct {
	field     event.Field
	criterion [6]string // vendor, name, format, model, revision, addition ("*" = any)
	path      []pathStep
	jsonPath  string // as configured
}

// piiParams are the parameters of pii_enrichment_config 2-0-*.
type piiParams struct {
	PII *[]struct {
		Pojo *struct {
			Field *string `json:"field"`
		} `json:"pojo"`
		JSON *struct {
			Field           *string `json:"field"`
			SchemaCriterion *string `json:"schemaCriterion"`
			JSONPath        *string `json:"jsonPath"`
		} `json:"json"`
	} `json:"pii"`
	Strategy *struct {
		Pseudonymize *struct {
			HashFunction *string `json:"hashFunction"`
			Salt         *string `json:"salt"`
		} `json:"pseudonymize"`
	} `json:"strategy"`
}

// buildPII checks a pii_enrichment_config config.
func buildPII(_ *builder, c *config) (enrich.Enrichment, error) {
	var p piiParams
	if err := c.params(&p); err != nil {
		return nil, err
	}
	if p.PII == nil {
		return nil, fieldErr("pii", "is required")
	}
	if p.Strategy == nil || p.Strategy.Pseudonymize == nil {
		return nil, fieldErr("strategy.pseudonymize", "is required")
	}
	ps := p.Strategy.Pseudonymize
	if ps.HashFunction == nil {
		return nil, fieldErr("strategy.pseudonymize.hashFunction", "is required")
	}
	h, ok := piiHashes[*ps.HashFunction]
	if !ok {
		return nil, fieldErr("strategy.pseudonymize.hashFunction", "must be one of MD2, MD5, SHA-1, SHA-256, SHA-384, SHA-512, not %q", *ps.HashFunction)
	}
	if ps.Salt == nil && c.ref.URI[strings.LastIndexByte(c.ref.URI, '/')+1:] != "2-0-0" {
		return nil, fieldErr("strategy.pseudonymize.salt", "is required")
	}
	en := &pii{base: newBase(c, 25), newHash: h, hashName: *ps.HashFunction,
		anonymousOnly: c.data.AnonymousOnly != nil && *c.data.AnonymousOnly,
		emitEvent:     c.data.EmitEvent != nil && *c.data.EmitEvent}
	if ps.Salt != nil {
		en.salt = *ps.Salt
	}
	for i, item := range *p.PII {
		at := func(s string) string { return "pii[" + itoa(i) + "]" + s }
		switch {
		case (item.Pojo == nil) == (item.JSON == nil):
			return nil, fieldErr(at(""), "must have exactly one of pojo and json")
		case item.Pojo != nil:
			if item.Pojo.Field == nil {
				return nil, fieldErr(at(".pojo.field"), "is required")
			}
			if !slices.Contains(piiPojoFields, *item.Pojo.Field) {
				return nil, fieldErr(at(".pojo.field"), "must be one of %s, not %q", strings.Join(piiPojoFields, ", "), *item.Pojo.Field)
			}
			en.fields = append(en.fields, fieldByName(*item.Pojo.Field))
		default:
			j := item.JSON
			var pj piiJSON
			switch {
			case j.Field == nil:
				return nil, fieldErr(at(".json.field"), "is required")
			case *j.Field == "contexts":
				pj.field = event.Contexts
			case *j.Field == "derived_contexts":
				pj.field = event.DerivedContexts
			case *j.Field == "unstruct_event":
				pj.field = event.UnstructEvent
			default:
				return nil, fieldErr(at(".json.field"), "must be one of contexts, derived_contexts, unstruct_event, not %q", *j.Field)
			}
			if j.SchemaCriterion == nil {
				return nil, fieldErr(at(".json.schemaCriterion"), "is required")
			}
			m := schemaCriterionRe.FindStringSubmatch(*j.SchemaCriterion)
			if m == nil {
				return nil, fieldErr(at(".json.schemaCriterion"), "must look like iglu:com.acme/name/jsonschema/1-*-*, not %q", *j.SchemaCriterion)
			}
			copy(pj.criterion[:], m[1:])
			if j.JSONPath == nil {
				return nil, fieldErr(at(".json.jsonPath"), "is required")
			}
			path, err := parseJSONPath(*j.JSONPath)
			if err != nil {
				return nil, fieldErr(at(".json.jsonPath"), "%q: %v", *j.JSONPath, err)
			}
			pj.path, pj.jsonPath = path, *j.JSONPath
			en.json = append(en.json, pj)
		}
	}
	return en, nil
}

// itoa formats an index.
func itoa(i int) string { return strconv.Itoa(i) }

// fieldByName returns the field with the given enriched name.
func fieldByName(name string) event.Field {
	f, ok := fieldNamed(name)
	if !ok {
		panic("unknown field " + name)
	}
	return f
}

// hash pseudonymises one value: lower-case hex of hash(value + salt).
func (p *pii) hash(v string) string {
	h := p.newHash()
	h.Write([]byte(v + p.salt))
	return hex.EncodeToString(h.Sum(nil))
}

// Enrich implements enrich.Enrichment. It pseudonymises the atomic fields, then
// unstruct_event, contexts and the derived contexts, the order upstream lists the changes
// in its pii_transformation event.
func (p *pii) Enrich(_ context.Context, e *event.Event, in *enrich.Input) ([]json.RawMessage, error) {
	if p.anonymousOnly && !anonymousRequest(in.RawEvent()) {
		return nil, nil
	}
	var mods []piiChange
	for _, f := range p.fields {
		if v := e.Get(f); v != "" {
			h := p.hash(v)
			e.Set(f, h)
			mods = append(mods, piiChange{field: event.Fields[f].Name, from: v, to: h})
		}
	}
	for _, f := range []event.Field{event.UnstructEvent, event.Contexts} {
		v := e.Get(f)
		if v == "" || !p.touches(f) {
			continue
		}
		root, err := parseJNode([]byte(v))
		if err != nil {
			continue
		}
		entities := root.members // contexts: an array of SDJs
		if root.kind == '{' {
			entities = []*jnode{root} // unstruct_event: one SDJ
		}
		changed := false
		for _, ent := range entities {
			changed = p.entity(f, ent, &mods) || changed
		}
		if changed {
			e.Set(f, string(root.appendJSON(nil)))
		}
	}
	if in != nil && p.touches(event.DerivedContexts) {
		var out []json.RawMessage
		for i, d := range in.Derived {
			ent, err := parseJNode(d)
			if err != nil || !p.entity(event.DerivedContexts, ent, &mods) {
				continue
			}
			if out == nil {
				out = slices.Clone(in.Derived)
			}
			out[i] = ent.appendJSON(nil)
		}
		if out != nil {
			in.Derived = out
		}
	}
	if p.emitEvent && len(mods) > 0 && in != nil {
		in.PIITransformation = p.transformation(mods)
	}
	return nil, nil
}

// touches reports whether a JSON field is configured for f.
func (p *pii) touches(f event.Field) bool {
	return slices.ContainsFunc(p.json, func(j piiJSON) bool { return j.field == f })
}

// entity pseudonymises one self-describing entity of field f with every matching
// configured path, recording the changes; it reports whether anything changed.
func (p *pii) entity(f event.Field, ent *jnode, mods *[]piiChange) bool {
	s := ent.get("schema")
	if s == nil || s.kind != '"' {
		return false
	}
	changed := false
	for _, j := range p.json {
		if j.field != f || !j.matches(s.str) {
			continue
		}
		changed = ent.get("data").mapStrings(j.path, func(v string) string {
			h := p.hash(v)
			*mods = append(*mods, piiChange{field: event.Fields[f].Name, from: v, to: h, jsonPath: j.jsonPath, schema: s.str})
			return h
		}) || changed
	}
	return changed
}

// piiChange is one pseudonymised value, as the pii_transformation event lists it.
type piiChange struct {
	field, from, to string
	jsonPath        string // "" for atomic (pojo) fields
	schema          string
}

// PIITransformationSchema is the schema of the event the PII enrichment emits.
const PIITransformationSchema = "iglu:com.snowplowanalytics.snowplow/pii_transformation/jsonschema/1-0-0"

// transformation renders the pii_transformation self-describing JSON of the changes as
// upstream does: {"pii":{"pojo":[…],"json":[…]},"strategy":{"pseudonymize":{…}}}, each
// list newest change first and the two keys in the order their first change was made.
func (p *pii) transformation(mods []piiChange) json.RawMessage {
	var keys []string
	groups := map[string][]piiChange{}
	for _, m := range mods {
		k := "pojo"
		if m.jsonPath != "" {
			k = "json"
		}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append([]piiChange{m}, groups[k]...)
	}
	b := []byte(`{"schema":"` + PIITransformationSchema + `","data":{"pii":{`)
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, `":[`...)
		for j, m := range groups[k] {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"fieldName":`...)
			b = event.AppendJSONString(b, m.field)
			b = append(b, `,"originalValue":`...)
			b = event.AppendJSONString(b, m.from)
			b = append(b, `,"modifiedValue":`...)
			b = event.AppendJSONString(b, m.to)
			if m.jsonPath != "" {
				b = append(b, `,"jsonPath":`...)
				b = event.AppendJSONString(b, m.jsonPath)
				b = append(b, `,"schema":`...)
				b = event.AppendJSONString(b, m.schema)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `},"strategy":{"pseudonymize":{"hashFunction":`...)
	b = event.AppendJSONString(b, p.hashName)
	return append(b, "}}}}"...)
}

// matches reports whether an Iglu URI satisfies the criterion.
func (j *piiJSON) matches(uri string) bool { return matchCriterion(j.criterion, uri) }

// anonymousRequest reports whether the request carried an SP-Anonymous header.
func anonymousRequest(raw *event.RawEvent) bool {
	if raw == nil || raw.Payload == nil {
		return false
	}
	for _, h := range raw.Payload.Headers {
		if name, _, ok := strings.Cut(h, ":"); ok && strings.EqualFold(strings.TrimSpace(name), "SP-Anonymous") {
			return true
		}
	}
	return false
}
