// Package igluapi serves plowbox's built-in schema registry as a subset of Iglu Server's
// API under /api and /iglu-server/api, and Micro's schema lookup under /micro/iglu.
package igluapi

import (
	"crypto/subtle"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/plowbox/plowbox/enrich/iglu"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/web/httpkit"
)

// SchemaRegistry is the storage of plowbox's built-in schema registry; *store.Store
// implements it. Keys are registry paths vendor/name/format/M-R-A.
type SchemaRegistry interface {
	PutSchema(key string, body []byte, public bool) (created bool, err error)
	GetSchema(key string) ([]byte, store.SchemaMeta, bool, error)
	DeleteSchema(key string) (bool, error)
	ListSchemas(prefix string) ([]store.SchemaEntry, error)
	Healthy() error
}

// Options configures the Iglu Server compatible registry API under /api and
// /iglu-server/api (https://docs.snowplow.io/docs/api-reference/iglu/iglu-repositories/iglu-server/)
// and Micro's /micro/iglu lookup.
type Options struct {
	// Registry stores the built-in registry's schemas.
	Registry SchemaRegistry
	// Resolver is invalidated on every write and answers /micro/iglu.
	Resolver *iglu.Resolver
	// Validator checks schemas on write and validates instances.
	Validator *iglu.Validator
	// SuperKey is the registry super key: an "apikey" header equal to it grants every
	// read and write under --auth basic. "" accepts no key.
	SuperKey string
	// CurrentSuperKey, when set, returns the super key in force and overrides SuperKey
	// (the control plane's local-iglu-apikey changes it at run time).
	CurrentSuperKey func() string
	// Version is plowbox's semantic version, shown by /api/meta/server.
	Version string
}

// maxSchemaBody is the largest schema or instance accepted by the registry API.
const maxSchemaBody = 8 << 20

// igluLookupFormat is Micro's answer to a malformed /micro/iglu path.
const igluLookupFormat = "Schema lookup should be in format iglu/{vendor}/{schemaName}/jsonschema/{model}-{revision}-{addition}"

// igluAPI serves the registry API.
type igluAPI struct {
	o            Options
	authenticate gin.HandlerFunc
}

// Mount adds the registry API under /api and /iglu-server/api, and GET /micro/iglu/… to
// the micro group (which already has CORS and authentication). authenticate is the
// authentication middleware, nil under --auth none: nothing needs credentials.
func Mount(r *gin.Engine, micro *gin.RouterGroup, o Options, authenticate gin.HandlerFunc) {
	a := &igluAPI{o: o, authenticate: authenticate}
	for _, base := range []string{"/api", "/iglu-server/api"} {
		g := r.Group(base)
		g.GET("/meta/health", a.health)
		g.GET("/meta/health/db", a.healthDB)

		p := g.Group("", a.authorize)
		p.GET("/meta/server", a.server)
		p.GET("/schemas", a.list)
		p.GET("/schemas/:vendor", a.list)
		p.GET("/schemas/:vendor/:name", a.list)
		p.GET("/schemas/:vendor/:name/:format", a.list)
		p.GET("/schemas/:vendor/:name/:format/:version", a.fetch)
		p.PUT("/schemas/:vendor/:name/:format/:version", a.put)
		p.POST("/schemas", a.publish)
		p.DELETE("/schemas/:vendor/:name/:format/:version", a.delete)
		p.POST("/schemas/validate/:vendor/:name/:format/:version", a.validateInstanceAt)
		p.POST("/validation/validate/schema/jsonschema", a.validateSchema)
		p.POST("/validation/validate/instance", a.validateInstance)
	}
	micro.GET("/iglu/*path", a.microLookup)
}

// authorize lets a request through under --auth none, with valid basic credentials, or
// with an apikey header equal to the super key. A wrong key is 403; nothing is 401.
func (a *igluAPI) authorize(c *gin.Context) {
	if a.authenticate == nil {
		c.Next()
		return
	}
	if key := c.GetHeader("apikey"); key != "" {
		super := a.o.SuperKey
		if a.o.CurrentSuperKey != nil {
			super = a.o.CurrentSuperKey()
		}
		if super != "" && subtle.ConstantTimeCompare([]byte(key), []byte(super)) == 1 {
			c.Next()
			return
		}
		igluMessage(c, http.StatusForbidden, "Not enough permissions: the apikey is not the registry super key")
		c.Abort()
		return
	}
	a.authenticate(c)
}

// igluMessage answers with Iglu Server's message object.
func igluMessage(c *gin.Context, status int, msg string) {
	b, _ := httpkit.Marshal(map[string]string{"message": msg})
	httpkit.WriteJSON(c, status, b)
}

func (a *igluAPI) health(c *gin.Context) { c.String(http.StatusOK, "OK") }

func (a *igluAPI) healthDB(c *gin.Context) {
	if err := a.o.Registry.Healthy(); err != nil {
		c.String(http.StatusServiceUnavailable, "Service Unavailable: "+err.Error())
		return
	}
	c.String(http.StatusOK, "OK")
}

func (a *igluAPI) server(c *gin.Context) {
	list, err := a.o.Registry.ListSchemas("")
	if err != nil {
		igluError(c, err)
		return
	}
	b, _ := httpkit.Marshal(map[string]any{
		"version":        "plowbox-" + a.o.Version,
		"authInfo":       map[string]any{"vendor": "", "schema": nil, "key": nil},
		"database":       "bbolt",
		"schemaCount":    len(list),
		"debug":          false,
		"patchesAllowed": true,
	})
	httpkit.WriteJSON(c, http.StatusOK, b)
}

// igluError answers 500 for a storage failure.
func igluError(c *gin.Context, err error) {
	c.Error(err)
	igluMessage(c, http.StatusInternalServerError, "registry storage failed: "+err.Error())
}

// pathKey parses the schema key of a request path; it answers 400 and returns false for
// a part outside Iglu's character sets, including traversal such as "..".
func pathKey(c *gin.Context) (iglu.SchemaKey, bool) {
	uri := "iglu:" + c.Param("vendor") + "/" + c.Param("name") + "/" + c.Param("format") + "/" + c.Param("version")
	key, err := iglu.ParseSchemaKey(uri)
	if err != nil || !key.Valid() {
		msg := "invalid schema key " + uri
		if err != nil {
			msg = err.Error()
		}
		igluMessage(c, http.StatusBadRequest, msg)
		return iglu.SchemaKey{}, false
	}
	return key, true
}

// checkPathParts answers 400 unless the vendor, name and format given in the path are
// valid Iglu parts.
func checkPathParts(c *gin.Context) bool {
	probe := func(p, def string) string {
		if p == "" {
			return def
		}
		return p
	}
	uri := "iglu:" + probe(c.Param("vendor"), "v") + "/" + probe(c.Param("name"), "n") + "/" + probe(c.Param("format"), "f") + "/1-0-0"
	if _, err := iglu.ParseSchemaKey(uri); err != nil {
		igluMessage(c, http.StatusBadRequest, err.Error())
		return false
	}
	return true
}

// fetch answers GET /schemas/{vendor}/{name}/{format}/{version}; a bare model number
// as version lists that model's schemas instead.
func (a *igluAPI) fetch(c *gin.Context) {
	if v := c.Param("version"); v != "" && strings.Trim(v, "0123456789") == "" {
		a.list(c)
		return
	}
	key, ok := pathKey(c)
	if !ok {
		return
	}
	body, meta, found, err := a.o.Registry.GetSchema(key.Path())
	if err != nil {
		igluError(c, err)
		return
	}
	if !found {
		igluMessage(c, http.StatusNotFound, "The schema is not found")
		return
	}
	switch c.Query("repr") {
	case "uri":
		b, _ := httpkit.Marshal(key.String())
		httpkit.WriteJSON(c, http.StatusOK, b)
	case "meta":
		httpkit.WriteJSON(c, http.StatusOK, withMetadata(body, meta))
	default:
		httpkit.WriteJSON(c, http.StatusOK, body)
	}
}

// list answers the listing routes: every schema matching the path's vendor, name,
// format and model, as URIs (repr=uri, the default), documents (repr=canonical) or
// documents with metadata (repr=meta).
func (a *igluAPI) list(c *gin.Context) {
	if !checkPathParts(c) {
		return
	}
	prefix := ""
	for _, p := range []string{"vendor", "name", "format"} {
		v := c.Param(p)
		if v == "" {
			break
		}
		prefix += v + "/"
	}
	entries, err := a.o.Registry.ListSchemas(prefix)
	if err != nil {
		igluError(c, err)
		return
	}
	model := -1
	if v := c.Param("version"); v != "" {
		model, _ = strconv.Atoi(v)
	}
	type item struct {
		key iglu.SchemaKey
		e   store.SchemaEntry
	}
	var items []item
	for _, e := range entries {
		key, err := iglu.ParseSchemaKey("iglu:" + e.Key)
		if err != nil || (model >= 0 && key.Version.Model != model) {
			continue
		}
		items = append(items, item{key, e})
	}
	slices.SortFunc(items, func(x, y item) int { return compareKeys(x.key, y.key) })
	repr := c.DefaultQuery("repr", "uri")
	var b strings.Builder
	b.WriteByte('[')
	for i, it := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		switch repr {
		case "canonical":
			b.Write(it.e.Body)
		case "meta":
			b.Write(withMetadata(it.e.Body, it.e.Meta))
		default:
			s, _ := httpkit.Marshal(it.key.String())
			b.Write(s)
		}
	}
	b.WriteByte(']')
	httpkit.WriteJSON(c, http.StatusOK, []byte(b.String()))
}

// compareKeys orders schema keys by vendor, name, format and numeric version.
func compareKeys(x, y iglu.SchemaKey) int {
	for _, d := range []int{
		strings.Compare(x.Vendor, y.Vendor), strings.Compare(x.Name, y.Name), strings.Compare(x.Format, y.Format),
		x.Version.Model - y.Version.Model, x.Version.Revision - y.Version.Revision, x.Version.Addition - y.Version.Addition,
	} {
		if d != 0 {
			return d
		}
	}
	return 0
}

// readBody reads a request body of at most maxSchemaBody bytes; it answers 400 or 413
// and returns false on failure.
func readBody(c *gin.Context) ([]byte, bool) {
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, maxSchemaBody+1))
	switch {
	case err != nil:
		igluMessage(c, http.StatusBadRequest, "read body: "+err.Error())
		return nil, false
	case len(body) > maxSchemaBody:
		igluMessage(c, http.StatusRequestEntityTooLarge, "the body is larger than "+strconv.Itoa(maxSchemaBody)+" bytes")
		return nil, false
	}
	return body, true
}

// put answers PUT /schemas/{vendor}/{name}/{format}/{version}: create or overwrite.
func (a *igluAPI) put(c *gin.Context) {
	key, ok := pathKey(c)
	if !ok {
		return
	}
	body, ok := readBody(c)
	if !ok {
		return
	}
	a.write(c, &key, body)
}

// publish answers POST /schemas: the key is the document's self.
func (a *igluAPI) publish(c *gin.Context) {
	body, ok := readBody(c)
	if !ok {
		return
	}
	a.write(c, nil, body)
}

// write checks and stores a schema document. With a nil key the document's self names
// it; otherwise self, when present, must match key.
func (a *igluAPI) write(c *gin.Context, key *iglu.SchemaKey, body []byte) {
	public, err := strconv.ParseBool(c.DefaultQuery("isPublic", "false"))
	if err != nil {
		igluMessage(c, http.StatusBadRequest, "isPublic must be true or false")
		return
	}
	doc, err := canonicalSchema(body, key)
	if err != nil {
		igluMessage(c, http.StatusBadRequest, err.Error())
		return
	}
	if doc.key.Format != "jsonschema" {
		igluMessage(c, http.StatusBadRequest, "only the jsonschema format is supported, not "+doc.key.Format)
		return
	}
	if issues := a.o.Validator.CheckSchema(doc.key, doc.body); issues != nil {
		b, _ := httpkit.Marshal(map[string]any{
			"message": "The schema does not conform to a JSON Schema v4 specification",
			"report":  issues,
		})
		httpkit.WriteJSON(c, http.StatusBadRequest, b)
		return
	}
	created, err := a.o.Registry.PutSchema(doc.key.Path(), doc.body, public)
	if err != nil {
		igluError(c, err)
		return
	}
	a.o.Resolver.Invalidate(doc.key)
	status, msg := http.StatusOK, "Schema updated"
	if created {
		status, msg = http.StatusCreated, "Schema created"
	}
	b, _ := httpkit.Marshal(struct {
		Message  string `json:"message"`
		Updated  bool   `json:"updated"`
		Location string `json:"location"`
		Status   int    `json:"status"`
	}{msg, !created, doc.key.String(), status})
	httpkit.WriteJSON(c, status, b)
}

// delete answers DELETE /schemas/{vendor}/{name}/{format}/{version}.
func (a *igluAPI) delete(c *gin.Context) {
	key, ok := pathKey(c)
	if !ok {
		return
	}
	deleted, err := a.o.Registry.DeleteSchema(key.Path())
	if err != nil {
		igluError(c, err)
		return
	}
	a.o.Resolver.Invalidate(key)
	if !deleted {
		igluMessage(c, http.StatusNotFound, "The schema is not found")
		return
	}
	igluMessage(c, http.StatusOK, "Schema deleted")
}

// validateSchema answers POST /validation/validate/schema/jsonschema: is the body a
// valid self-describing draft-04 schema?
func (a *igluAPI) validateSchema(c *gin.Context) {
	body, ok := readBody(c)
	if !ok {
		return
	}
	doc, err := canonicalSchema(body, nil)
	if err != nil {
		b, _ := httpkit.Marshal(map[string]any{
			"message": "The schema does not conform to a JSON Schema v4 specification",
			"report":  []map[string]string{{"path": "$", "message": err.Error(), "level": "ERROR"}},
		})
		httpkit.WriteJSON(c, http.StatusBadRequest, b)
		return
	}
	if issues := a.o.Validator.CheckSchema(doc.key, doc.body); issues != nil {
		report := make([]map[string]string, len(issues))
		for i, is := range issues {
			report[i] = map[string]string{"path": is.Path, "message": is.Message, "level": "ERROR"}
		}
		b, _ := httpkit.Marshal(map[string]any{"message": "The schema does not conform to a JSON Schema v4 specification", "report": report})
		httpkit.WriteJSON(c, http.StatusBadRequest, b)
		return
	}
	igluMessage(c, http.StatusOK, "The schema provided is a valid self-describing schema")
}

// validateInstance answers POST /validation/validate/instance: the body is
// self-describing data, validated as the pipeline would.
func (a *igluAPI) validateInstance(c *gin.Context) {
	body, ok := readBody(c)
	if !ok {
		return
	}
	schema, data, err := splitInstance(body)
	if err != nil {
		igluMessage(c, http.StatusBadRequest, err.Error())
		return
	}
	a.validate(c, schema, data)
}

// validateInstanceAt answers the deprecated POST /schemas/validate/{v}/{n}/{f}/{ver}:
// the body is the data, the path names its schema.
func (a *igluAPI) validateInstanceAt(c *gin.Context) {
	key, ok := pathKey(c)
	if !ok {
		return
	}
	body, ok := readBody(c)
	if !ok {
		return
	}
	if !jsonValid(body) {
		igluMessage(c, http.StatusBadRequest, "the body is not JSON")
		return
	}
	a.validate(c, key.String(), body)
}

// validate validates data against schema and answers 200, 400 with the report, or 404
// when the schema cannot be resolved.
func (a *igluAPI) validate(c *gin.Context, schema string, data []byte) {
	v := a.o.Validator.Validate(c.Request.Context(), schema, data)
	if v.Error == nil {
		igluMessage(c, http.StatusOK, "Instance is valid "+schema)
		return
	}
	status, msg := http.StatusBadRequest, "The instance is invalid against its schema"
	if v.Error.Error == "ResolutionError" {
		status, msg = http.StatusNotFound, "The schema is not found"
	}
	b, _ := httpkit.Marshal(map[string]any{"message": msg, "report": v.Error})
	httpkit.WriteJSON(c, status, b)
}

// microLookup answers GET /micro/iglu/{vendor}/{name}/jsonschema/{M-R-A}
// through the resolver, as Micro answers it: the schema as stored, or 404 with each
// repository's lookup history.
func (a *igluAPI) microLookup(c *gin.Context) {
	parts := strings.Split(strings.Trim(c.Param("path"), "/"), "/")
	if len(parts) != 4 || parts[2] != "jsonschema" {
		httpkit.WriteMessage(c, http.StatusNotFound, igluLookupFormat)
		return
	}
	key, err := iglu.ParseSchemaKey("iglu:" + strings.Join(parts, "/"))
	if err != nil || !key.Valid() {
		httpkit.WriteMessage(c, http.StatusNotFound, igluLookupFormat)
		return
	}
	body, _, err := a.o.Resolver.Lookup(c.Request.Context(), key)
	var rerr *iglu.ResolutionError
	switch {
	case err == nil:
		httpkit.WriteJSON(c, http.StatusOK, body)
	case errors.As(err, &rerr):
		httpkit.WriteJSON(c, http.StatusNotFound, resolutionValue(rerr))
	default:
		c.Error(err)
		httpkit.WriteMessage(c, http.StatusInternalServerError, err.Error())
	}
}

// resolutionValue renders a resolution error as Micro does: {"value":{repository:
// {"errors":…,"attempts":…,"lastAttempt":…}}}, repositories in lookup order.
func resolutionValue(rerr *iglu.ResolutionError) []byte {
	var b strings.Builder
	b.WriteString(`{"value":{`)
	for i, h := range rerr.History {
		if i > 0 {
			b.WriteByte(',')
		}
		name, _ := httpkit.Marshal(h.Repository)
		b.Write(name)
		b.WriteByte(':')
		full, _ := httpkit.Marshal(h) // {"repository":…,"errors":…,…}
		// Drop the leading "repository" member: the name is the key.
		if _, rest, ok := strings.Cut(string(full), `,"errors":`); ok {
			b.WriteString(`{"errors":` + rest)
		} else {
			b.Write(full)
		}
	}
	b.WriteString(`}}`)
	return []byte(b.String())
}
