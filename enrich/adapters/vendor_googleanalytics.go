package adapters

import (
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/enrich/event"
)

// gaVendor is the vendor of the Measurement Protocol schemas.
const gaVendor = "com.google.analytics.measurement-protocol"

// gaSchema returns the URI of a Measurement Protocol schema.
func gaSchema(name string) string { return "iglu:" + gaVendor + "/" + name + "/jsonschema/1-0-0" }

// gaHitSchemas maps the hit type (t) to the schema of the event's unstruct_event.
var gaHitSchemas = eventSchemas{
	{EventType: "pageview", Schema: gaSchema("page_view")},
	{EventType: "screenview", Schema: gaSchema("screen_view")},
	{EventType: "event", Schema: gaSchema("event")},
	{EventType: "transaction", Schema: gaSchema("transaction")},
	{EventType: "item", Schema: gaSchema("item")},
	{EventType: "social", Schema: gaSchema("social")},
	{EventType: "exception", Schema: gaSchema("exception")},
	{EventType: "timing", Schema: gaSchema("timing")},
}

// gaField is where one Measurement Protocol parameter goes: a property of a schema.
type gaField struct {
	schema string // schema name, e.g. "page_view"
	name   string // property name
	typ    fieldType
}

// gaFields maps plain parameters to their properties. A parameter listed under several
// schemas goes to the one of the hit type when there is one, else to the first.
var gaFields = map[string][]gaField{
	// hit
	"ni": {{"hit", "nonInteractionHit", typeBool}},
	// general
	"v":   {{"general", "protocolVersion", typeString}},
	"tid": {{"general", "trackingId", typeString}},
	"aip": {{"general", "anonymizeIp", typeBool}},
	"ds":  {{"general", "dataSource", typeString}},
	"qt":  {{"general", "queueTime", typeInt}},
	"z":   {{"general", "cacheBuster", typeString}},
	// user
	"cid": {{"user", "clientId", typeString}},
	"uid": {{"user", "userId", typeString}},
	// session
	"sc":    {{"session", "sessionControl", typeString}},
	"uip":   {{"session", "ipOverride", typeString}},
	"ua":    {{"session", "userAgentOverride", typeString}},
	"geoid": {{"session", "geographicalOverride", typeString}},
	// traffic source
	"dr":    {{"traffic_source", "documentReferrer", typeString}},
	"cn":    {{"traffic_source", "campaignName", typeString}},
	"cs":    {{"traffic_source", "campaignSource", typeString}},
	"cm":    {{"traffic_source", "campaignMedium", typeString}},
	"ck":    {{"traffic_source", "campaignKeyword", typeString}},
	"cc":    {{"traffic_source", "campaignContent", typeString}},
	"ci":    {{"traffic_source", "campaignId", typeString}},
	"gclid": {{"traffic_source", "googleAdwordsId", typeString}},
	"dclid": {{"traffic_source", "googleDisplayAdsId", typeString}},
	// system info
	"sr": {{"system_info", "screenResolution", typeString}},
	"vp": {{"system_info", "viewportSize", typeString}},
	"de": {{"system_info", "documentEncoding", typeString}},
	"sd": {{"system_info", "screenColors", typeString}},
	"ul": {{"system_info", "userLanguage", typeString}},
	"je": {{"system_info", "javaEnabled", typeBool}},
	"fl": {{"system_info", "flashVersion", typeString}},
	// link, app, content experiment
	"linkid": {{"link", "id", typeString}},
	"an":     {{"app", "name", typeString}},
	"aid":    {{"app", "id", typeString}},
	"av":     {{"app", "version", typeString}},
	"aiid":   {{"app", "installerId", typeString}},
	"xid":    {{"content_experiment", "id", typeString}},
	"xvar":   {{"content_experiment", "variant", typeString}},
	// page view, screen view
	"dl": {{"page_view", "documentLocationUrl", typeString}},
	"dh": {{"page_view", "documentHostName", typeString}},
	"dp": {{"page_view", "documentPath", typeString}},
	"dt": {{"page_view", "documentTitle", typeString}},
	"cd": {{"screen_view", "screenName", typeString}},
	// event
	"ec": {{"event", "category", typeString}},
	"ea": {{"event", "action", typeString}},
	"el": {{"event", "label", typeString}},
	"ev": {{"event", "value", typeInt}},
	// transaction and item
	"ti":  {{"transaction", "id", typeString}, {"item", "transactionId", typeString}},
	"ta":  {{"transaction", "affiliation", typeString}},
	"tr":  {{"transaction", "revenue", typeMoney}},
	"ts":  {{"transaction", "shipping", typeMoney}},
	"tt":  {{"transaction", "tax", typeMoney}},
	"tcc": {{"transaction", "couponCode", typeString}},
	"cu":  {{"transaction", "currencyCode", typeString}, {"item", "currencyCode", typeString}},
	"in":  {{"item", "name", typeString}},
	"ip":  {{"item", "price", typeMoney}},
	"iq":  {{"item", "quantity", typeInt}},
	"ic":  {{"item", "code", typeString}},
	"iv":  {{"item", "category", typeString}},
	// social, exception
	"sn":  {{"social", "network", typeString}},
	"sa":  {{"social", "action", typeString}},
	"st":  {{"social", "actionTarget", typeString}},
	"exd": {{"exception", "description", typeString}},
	"exf": {{"exception", "isFatal", typeBool}},
	// timing
	"utc": {{"timing", "userTimingCategory", typeString}},
	"utv": {{"timing", "userTimingVariableName", typeString}},
	"utt": {{"timing", "userTimingTime", typeInt}},
	"utl": {{"timing", "userTimingLabel", typeString}},
	"plt": {{"timing", "pageLoadTime", typeInt}},
	"dns": {{"timing", "dnsTime", typeInt}},
	"pdt": {{"timing", "pageDownloadTime", typeInt}},
	"rrt": {{"timing", "redirectResponseTime", typeInt}},
	"tcp": {{"timing", "tcpConnectTime", typeInt}},
	"srt": {{"timing", "serverResponseTime", typeInt}},
	"dit": {{"timing", "domInteractiveTime", typeInt}},
	"clt": {{"timing", "contentLoadTime", typeInt}},
	// enhanced e-commerce actions
	"pa":     {{"product_action", "productAction", typeString}},
	"pal":    {{"product_action", "productActionList", typeString}},
	"cos":    {{"product_action", "checkoutStep", typeInt}},
	"col":    {{"product_action", "checkoutStepOption", typeString}},
	"promoa": {{"promotion_action", "promotionAction", typeString}},
}

// gaDirect maps parameters copied verbatim onto tracker parameters; ti and cu depend on
// the hit type and are handled apart.
var gaDirect = map[string]string{
	"uip": "ip", "ua": "ua", "dl": "url", "dt": "page", "dr": "refr", "de": "cs", "sd": "cd",
	"ul": "lang", "je": "f_java", "ta": "tr_af", "tr": "tr_tt", "ts": "tr_sh", "tt": "tr_tx",
	"in": "ti_nm", "ip": "ti_pr", "iq": "ti_qu", "ic": "ti_sk", "iv": "ti_ca",
}

// gaProductProps are the per-product property suffixes of pr<N>… and il<L>pi<N>….
var gaProductProps = map[string]gaField{
	"id": {"", "sku", typeString}, "nm": {"", "name", typeString}, "br": {"", "brand", typeString},
	"ca": {"", "category", typeString}, "va": {"", "variant", typeString}, "pr": {"", "price", typeMoney},
	"qt": {"", "quantity", typeInt}, "cc": {"", "couponCode", typeString}, "ps": {"", "position", typeInt},
}

// gaPromoProps are the per-promotion property suffixes of promo<N>….
var gaPromoProps = map[string]string{"id": "id", "nm": "name", "cr": "creative", "ps": "position"}

// Composite (indexed) Measurement Protocol parameters.
var (
	gaIndexed       = regexp.MustCompile(`^(cd|cm|cg)([1-9][0-9]*)$`)
	gaProduct       = regexp.MustCompile(`^pr([1-9][0-9]*)(id|nm|br|ca|va|pr|qt|cc|ps)$`)
	gaProductCustom = regexp.MustCompile(`^pr([1-9][0-9]*)(cd|cm)([1-9][0-9]*)$`)
	gaList          = regexp.MustCompile(`^il([1-9][0-9]*)nm$`)
	gaImpression    = regexp.MustCompile(`^il([1-9][0-9]*)pi([1-9][0-9]*)(id|nm|br|ca|va|pr|ps)$`)
	gaImprCustom    = regexp.MustCompile(`^il([1-9][0-9]*)pi([1-9][0-9]*)(cd|cm)([1-9][0-9]*)$`)
	gaPromo         = regexp.MustCompile(`^promo([1-9][0-9]*)(id|nm|cr|ps)$`)
)

// gaAdapter maps Measurement Protocol hits, one per line of a form body, to events whose
// unstruct_event is the hit and whose contexts carry the other parameters.
type gaAdapter struct{}

func init() { register("com.google.analytics", "v1", gaAdapter{}) }

// Adapt implements Adapter.
func (gaAdapter) Adapt(p *collector.Payload, query event.Params) ([]event.Params, *Failure) {
	if p.Body == nil || *p.Body == "" {
		return nil, adapterFailure(badrows.InputData{Field: "body", Expectation: "empty body"})
	}
	var lines []string
	for l := range strings.SplitSeq(*p.Body, "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, strings.TrimRight(l, "\r"))
		}
	}
	if len(lines) == 0 {
		return nil, adapterFailure(badrows.InputData{Field: "body", Expectation: "empty body"})
	}
	return batch(len(lines), func(i int) (event.Params, []any) { return gaHit(lines[i], query) })
}

// gaHit maps one hit.
func gaHit(line string, query event.Params) (event.Params, []any) {
	form, err := event.ParseQuery(line)
	if err != nil {
		return nil, []any{badrows.InputData{Field: "body", Value: &line, Expectation: "could not parse body: " + err.Error()}}
	}
	t, ok := form.Get("t")
	if !ok {
		return nil, []any{badrows.InputData{Field: "body", Value: &line, Expectation: "no t parameter provided: cannot determine hit type"}}
	}
	schema, msg := gaHitSchemas.lookup(&t, -1)
	if msg != nil {
		return nil, []any{badrows.InputData{Field: "t", Value: &t, Expectation: "no matching hit type"}, msg}
	}
	hitName := strings.TrimSuffix(strings.TrimPrefix(schema, "iglu:"+gaVendor+"/"), "/jsonschema/1-0-0")
	cu, hasCU := form.Get("cu")

	ctx := newGACtx()
	ue := &jobject{}
	hit := ctx.object("hit", "hit")
	hit.set("type", t)
	var direct event.Params
	for _, prm := range form {
		if prm.Name == "t" || prm.Value == nil {
			continue
		}
		v := *prm.Value
		if to, ok := gaDirect[prm.Name]; ok {
			direct = append(direct, event.Param{Name: to, Value: strp(v)})
		}
		switch prm.Name {
		case "ti":
			direct = append(direct, event.Param{Name: map[bool]string{true: "ti_id", false: "tr_id"}[t == "item"], Value: strp(v)})
		case "cu":
			direct = append(direct, event.Param{Name: map[bool]string{true: "ti_cu", false: "tr_cu"}[t == "item"], Value: strp(v)})
		}
		if fs, ok := gaFields[prm.Name]; ok {
			f := fs[0]
			for _, c := range fs {
				if c.schema == hitName {
					f = c
				}
			}
			target := ue
			if f.schema != hitName {
				target = ctx.object(f.schema, f.schema)
			}
			target.set(f.name, gaValue(v, f.typ))
			continue
		}
		ctx.composite(prm.Name, v, cu, hasCU)
	}
	ps := webhookEvent(vendorTrackerVersion(gaVendor, "v1"), query, "srv", schema, marshalTree(ue))
	ps = append(ps, direct...)
	return append(ps, event.Param{Name: "co", Value: strp(ctx.contexts())}), nil
}

// gaValue converts a parameter value to its JSON type (booleans are "1" and "0"); a value
// that does not parse stays a string.
func gaValue(s string, t fieldType) any {
	if t == typeBool {
		switch s {
		case "1":
			return true
		case "0":
			return false
		}
	}
	if t == typeMoney {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return s
		}
		return math.Round(f*100) / 100
	}
	if v, ok := convertValue(s, t); ok {
		return v
	}
	return s
}

// gaCtx gathers the contexts of one hit, one object per key, in first-seen order.
type gaCtx struct {
	order   []string
	schemas map[string]string
	objs    map[string]*jobject
}

func newGACtx() *gaCtx {
	return &gaCtx{schemas: map[string]string{}, objs: map[string]*jobject{}}
}

// object returns the context object of key, creating it with schema name.
func (c *gaCtx) object(key, schema string) *jobject {
	if o, ok := c.objs[key]; ok {
		return o
	}
	o := &jobject{}
	c.order = append(c.order, key)
	c.schemas[key] = schema
	c.objs[key] = o
	return o
}

// composite places an indexed parameter (custom dimensions and metrics, content groups,
// products, impressions, promotions); unknown parameters are ignored.
func (c *gaCtx) composite(name, v, cu string, hasCU bool) {
	n := func(s string) int { i, _ := strconv.Atoi(s); return i }
	if m := gaIndexed.FindStringSubmatch(name); m != nil {
		schema := map[string]string{"cd": "custom_dimension", "cm": "custom_metric", "cg": "content_group"}[m[1]]
		o := c.object(name, schema)
		o.set("index", n(m[2]))
		if m[1] == "cm" {
			o.set("value", gaValue(v, typeNumber))
		} else {
			o.set("value", v)
		}
		return
	}
	if m := gaProduct.FindStringSubmatch(name); m != nil {
		o := c.object("pr"+m[1], "product")
		if _, ok := o.get("index"); !ok {
			o.set("index", n(m[1]))
			if hasCU {
				o.set("currencyCode", cu)
			}
		}
		f := gaProductProps[m[2]]
		o.set(f.name, gaValue(v, f.typ))
		return
	}
	if m := gaProductCustom.FindStringSubmatch(name); m != nil {
		schema, idx, typ := "product_custom_dimension", "dimensionIndex", typeString
		if m[2] == "cm" {
			schema, idx, typ = "product_custom_metric", "metricIndex", typeInt
		}
		o := c.object(name, schema)
		o.set("productIndex", n(m[1]))
		o.set(idx, n(m[3]))
		o.set("value", gaValue(v, typ))
		return
	}
	if m := gaList.FindStringSubmatch(name); m != nil {
		o := c.object(name, "product_impression_list")
		o.set("index", n(m[1]))
		o.set("name", v)
		return
	}
	if m := gaImpression.FindStringSubmatch(name); m != nil {
		o := c.object("il"+m[1]+"pi"+m[2], "product_impression")
		if _, ok := o.get("listIndex"); !ok {
			o.set("listIndex", n(m[1]))
			o.set("productIndex", n(m[2]))
			if hasCU {
				o.set("currencyCode", cu)
			}
		}
		f := gaProductProps[m[3]]
		o.set(f.name, gaValue(v, f.typ))
		return
	}
	if m := gaImprCustom.FindStringSubmatch(name); m != nil {
		schema, idx, typ := "product_impression_custom_dimension", "customDimensionIndex", typeString
		if m[3] == "cm" {
			schema, idx, typ = "product_impression_custom_metric", "customMetricIndex", typeInt
		}
		o := c.object(name, schema)
		o.set("listIndex", n(m[1]))
		o.set("productIndex", n(m[2]))
		o.set(idx, n(m[4]))
		o.set("value", gaValue(v, typ))
		return
	}
	if m := gaPromo.FindStringSubmatch(name); m != nil {
		o := c.object("promo"+m[1], "promotion")
		if _, ok := o.get("index"); !ok {
			o.set("index", n(m[1]))
		}
		o.set(gaPromoProps[m[2]], v)
	}
}

// contexts renders the contexts SDJ.
func (c *gaCtx) contexts() string {
	arr := make([]byte, 0, 256)
	arr = append(arr, '[')
	for i, k := range c.order {
		if i > 0 {
			arr = append(arr, ',')
		}
		arr = append(arr, BuildSDJ(gaSchema(c.schemas[k]), marshalTree(c.objs[k]))...)
	}
	arr = append(arr, ']')
	return string(BuildSDJ(ContextsSchema, arr))
}
