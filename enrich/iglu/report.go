package iglu

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// englishPrinter renders the library's messages for keywords without a networknt form.
var englishPrinter = message.NewPrinter(language.English)

// dataReports flattens a validation error into networknt-style data reports
// (iglu.md §6, §8.1), sorted by path, keyword and message. instance is the
// validated value, used to tell array indexes from property names.
func dataReports(verr *jsonschema.ValidationError, instance any) []badrows.DataReport {
	var out []badrows.DataReport
	collectReports(verr, instance, &out)
	slices.SortStableFunc(out, func(a, b badrows.DataReport) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Keyword, b.Keyword), cmp.Compare(a.Message, b.Message))
	})
	return slices.CompactFunc(out, func(a, b badrows.DataReport) bool {
		return a.Path == b.Path && a.Keyword == b.Keyword && a.Message == b.Message
	})
}

// collectReports appends the reports of e and, for structural errors, its causes.
func collectReports(e *jsonschema.ValidationError, instance any, out *[]badrows.DataReport) {
	path, node := jsonPath(instance, e.InstanceLocation)
	rep := func(keyword, message string, targets ...string) {
		if targets == nil {
			targets = []string{}
		}
		*out = append(*out, badrows.DataReport{Message: message, Path: path, Keyword: keyword, Targets: targets})
	}
	switch k := e.ErrorKind.(type) {
	case *kind.Schema, *kind.Group, *kind.Reference, *kind.AllOf, nil:
		for _, c := range e.Causes {
			collectReports(c, instance, out)
		}
	case *kind.Required:
		for _, m := range k.Missing {
			rep("required", path+"."+m+": is missing but it is required", m)
		}
	case *kind.AdditionalProperties:
		for _, p := range k.Properties {
			rep("additionalProperties", path+"."+p+": is not defined in the schema and the schema does not allow additional properties", p)
		}
	case *kind.Type:
		want, got := typeNames(k.Want), foundType(node, k.Got)
		rep("type", path+": "+got+" found, "+want+" expected", got, want)
	case *kind.Enum:
		vals := make([]string, len(k.Want))
		for i, w := range k.Want {
			vals[i] = compactJSON(w)
		}
		set := "[" + strings.Join(vals, ", ") + "]"
		rep("enum", path+": does not have a value in the enumeration "+set, set)
	case *kind.MaxLength:
		rep("maxLength", fmt.Sprintf("%s: may only be %d characters long", path, k.Want), strconv.Itoa(k.Want))
	case *kind.MinLength:
		rep("minLength", fmt.Sprintf("%s: must be at least %d characters long", path, k.Want), strconv.Itoa(k.Want))
	case *kind.Pattern:
		rep("pattern", path+": does not match the regex pattern "+k.Want, k.Want)
	case *kind.Format:
		rep("format", path+": does not match the "+k.Want+" pattern", k.Want)
	case *kind.Maximum:
		n := ratString(k.Want)
		rep("maximum", path+": must have a maximum value of "+n, n)
	case *kind.Minimum:
		n := ratString(k.Want)
		rep("minimum", path+": must have a minimum value of "+n, n)
	case *kind.ExclusiveMaximum:
		n := ratString(k.Want)
		rep("maximum", path+": must have an exclusive maximum value of "+n, n)
	case *kind.ExclusiveMinimum:
		n := ratString(k.Want)
		rep("minimum", path+": must have an exclusive minimum value of "+n, n)
	case *kind.MultipleOf:
		n := ratString(k.Want)
		rep("multipleOf", path+": must be multiple of "+n, n)
	case *kind.MaxItems:
		rep("maxItems", fmt.Sprintf("%s: there must be a maximum of %d items in the array", path, k.Want), strconv.Itoa(k.Want))
	case *kind.MinItems:
		rep("minItems", fmt.Sprintf("%s: there must be a minimum of %d items in the array", path, k.Want), strconv.Itoa(k.Want))
	case *kind.UniqueItems:
		rep("uniqueItems", path+": the items in the array must be unique")
	case *kind.MaxProperties:
		rep("maxProperties", fmt.Sprintf("%s: may only have a maximum of %d properties", path, k.Want), strconv.Itoa(k.Want))
	case *kind.MinProperties:
		rep("minProperties", fmt.Sprintf("%s: should have a minimum of %d properties", path, k.Want), strconv.Itoa(k.Want))
	case *kind.AdditionalItems:
		rep("additionalItems", fmt.Sprintf("%s: the last %d items are not allowed by the schema", path, k.Count), strconv.Itoa(k.Count))
	case *kind.Dependency:
		for _, m := range k.Missing {
			rep("dependencies", path+"."+m+": is missing but it is required by "+k.Prop, m)
		}
	case *kind.AnyOf:
		rep("anyOf", path+": should be valid to any of the schemas")
	case *kind.OneOf:
		if len(k.Subschemas) > 1 {
			rep("oneOf", path+": should be valid to one and only one of the schemas, but more than one are valid")
		} else {
			rep("oneOf", path+": should be valid to one and only one of the schemas")
		}
	case *kind.Not:
		rep("not", path+": should not be valid to the schema")
	default:
		kw := "validation"
		if kp := k.KeywordPath(); len(kp) > 0 {
			kw = kp[0]
		}
		rep(kw, path+": "+e.ErrorKind.LocalizedString(englishPrinter))
	}
}

// jsonPath renders an instance location as a networknt-style JSONPath: "$", "$.a.b",
// "$.items[0].sku". It also returns the value found there.
func jsonPath(instance any, loc []string) (string, any) {
	var b strings.Builder
	b.WriteByte('$')
	cur := instance
	for _, tok := range loc {
		switch c := cur.(type) {
		case []any:
			b.WriteString("[" + tok + "]")
			if i, err := strconv.Atoi(tok); err == nil && i >= 0 && i < len(c) {
				cur = c[i]
			} else {
				cur = nil
			}
		case map[string]any:
			b.WriteString("." + tok)
			cur = c[tok]
		default:
			b.WriteString("." + tok)
			cur = nil
		}
	}
	return b.String(), cur
}

// foundType names the JSON type of node as networknt does: a number written without
// a fraction or exponent is an "integer". got is the library's name for it.
func foundType(node any, got string) string {
	if n, ok := node.(json.Number); ok && got == "number" && !strings.ContainsAny(n.String(), ".eE") {
		return "integer"
	}
	return got
}

// typeNames renders the expected types of a type error: one name, or "[a, b]".
func typeNames(want []string) string {
	if len(want) == 1 {
		return want[0]
	}
	return "[" + strings.Join(want, ", ") + "]"
}

// ratString renders a limit as a plain decimal number.
func ratString(r *big.Rat) string {
	if r == nil {
		return ""
	}
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// compactJSON renders a decoded JSON value compactly; strings are bare, as networknt
// prints enumeration members.
func compactJSON(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
