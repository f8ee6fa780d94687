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
// atomic fields and JSON paths inside contexts and unstruct_event. With emitEvent it
// would also emit a pii_transformation event; plowbox does not (a load warning says so).
type pii struct {
	base
	newHash       func() hash.Hash
	salt          string
	fields        []event.Field
	json          []piiJSON
	anonymousOnly bool
}

// piiJSON is one JSON field to pseudonymise.
type piiJSON struct {
	field     event.Field
	criterion [6]string // vendor, name, format, model, revision, addition ("*" = any)
	path      []pathStep
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
	en := &pii{base: newBase(c, 25), newHash: h, anonymousOnly: c.data.AnonymousOnly != nil && *c.data.AnonymousOnly}
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
			pj.path = path
			en.json = append(en.json, pj)
		}
	}
	return en, nil
}

// itoa formats an index.
func itoa(i int) string { return strconv.Itoa(i) }

// fieldByName returns the field with the given enriched name.
func fieldByName(name string) event.Field {
	for f := range event.Field(event.NumFields) {
		if event.Fields[f].Name == name {
			return f
		}
	}
	panic("unknown field " + name)
}

// hash pseudonymises one value: lower-case hex of hash(value + salt).
func (p *pii) hash(v string) string {
	h := p.newHash()
	h.Write([]byte(v + p.salt))
	return hex.EncodeToString(h.Sum(nil))
}

// Enrich implements enrich.Enrichment.
func (p *pii) Enrich(_ context.Context, e *event.Event, raw *event.RawEvent) ([]json.RawMessage, error) {
	if p.anonymousOnly && !anonymousRequest(raw) {
		return nil, nil
	}
	for _, f := range p.fields {
		if v := e.Get(f); v != "" {
			e.Set(f, p.hash(v))
		}
	}
	for _, j := range p.json {
		v := e.Get(j.field)
		if v == "" {
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
			if s := ent.get("schema"); s != nil && s.kind == '"' && j.matches(s.str) {
				changed = ent.get("data").mapStrings(j.path, p.hash) || changed
			}
		}
		if changed {
			e.Set(j.field, string(root.appendJSON(nil)))
		}
	}
	return nil, nil
}

// matches reports whether an Iglu URI satisfies the criterion.
func (j *piiJSON) matches(uri string) bool {
	rest, ok := strings.CutPrefix(uri, "iglu:")
	if !ok {
		return false
	}
	parts := strings.SplitN(rest, "/", 4)
	if len(parts) != 4 {
		return false
	}
	ver := strings.Split(parts[3], "-")
	if len(ver) != 3 {
		return false
	}
	got := [6]string{parts[0], parts[1], parts[2], ver[0], ver[1], ver[2]}
	for i, want := range j.criterion {
		if want != "*" && want != got[i] {
			return false
		}
	}
	return true
}

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
