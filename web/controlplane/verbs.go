package controlplane

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/plowbox/plowbox/internal/users"
	"github.com/plowbox/plowbox/web/httpkit"
)

// miniServices are the service names Mini's restart-service accepts.
var miniServices = []string{"collector", "enrich", "esLoaderGood", "esLoaderBad", "iglu", "kibana", "elasticsearch", "caddy"}

// control serves the control plane.
type control struct{ o Options }

// Mount adds the control plane: Mini's verbs on Mini's paths, plus
// iglu-cache/flush and status (each path takes every method and answers the wrong ones
// as Mini did), and the admin pages.
func Mount(r *gin.Engine, o Options) {
	if o.ReachTimeout == 0 {
		o.ReachTimeout = 5 * time.Second
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{}
	}
	k := &control{o: o}
	g := r.Group("/control-plane")
	for p, h := range map[string]gin.HandlerFunc{
		"/restart-services":  k.restartServices,
		"/restart-service":   k.restartService,
		"/reset-service":     k.resetService,
		"/enrichments":       k.enrichments,
		"/iglu-config":       k.igluConfig,
		"/external-iglu":     k.externalIglu,
		"/local-iglu-apikey": k.localIgluAPIKey,
		"/credentials":       k.credentials,
		"/domain-name":       k.domainName,
		"/add-hsts":          k.addHSTS,
		"/telemetry":         k.telemetry,
		"/version":           k.version,
		"/iglu-cache/flush":  k.flush,
		"/status":            k.status,
	} {
		g.Any(p, h)
	}
	mountAdmin(r, o)
}

// planeError answers an error of the Plane: 400 for ErrInvalid, 500 otherwise.
func planeError(c *gin.Context, err error) {
	if errors.Is(err, ErrInvalid) {
		httpkit.Text(c, http.StatusBadRequest, strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": "))
		return
	}
	c.Error(err)
	httpkit.Text(c, http.StatusInternalServerError, err.Error())
}

func (k *control) restartServices(c *gin.Context) {
	if c.Request.Method != http.MethodPut {
		httpkit.Text(c, http.StatusNotFound, "")
		return
	}
	if err := k.o.Plane.Reload(c.Request.Context()); err != nil {
		planeError(c, err)
		return
	}
	httpkit.Text(c, http.StatusOK, "OK")
}

func (k *control) restartService(c *gin.Context) {
	f, ok := httpkit.MethodForm(c, http.StatusNotFound, "Only PUT is supported", http.MethodPut)
	if !ok {
		return
	}
	names, ok := f["service_name"]
	if !ok || len(names) == 0 {
		httpkit.Text(c, http.StatusBadRequest, "Missing key service_name")
		return
	}
	known := false
	for _, s := range miniServices {
		known = known || s == names[0]
	}
	if !known {
		httpkit.Text(c, http.StatusBadRequest, "Recognized service names: "+strings.Join(miniServices, ", "))
		return
	}
	if err := k.o.Plane.ReloadService(c.Request.Context(), names[0]); err != nil {
		planeError(c, err)
		return
	}
	httpkit.Text(c, http.StatusOK, "OK")
}

func (k *control) resetService(c *gin.Context) {
	f, ok := httpkit.MethodForm(c, http.StatusBadRequest, "Only POST is supported", http.MethodPost)
	if !ok {
		return
	}
	names, ok := f["service_name"]
	if !ok || len(names) == 0 {
		httpkit.Text(c, http.StatusBadRequest, "Missing key service_name")
		return
	}
	if names[0] != "elasticsearch" {
		httpkit.Text(c, http.StatusBadRequest, names[0]+" can't be reset. Only elasticsearch can be reset.")
		return
	}
	if err := k.o.Plane.Reset(c.Request.Context()); err != nil {
		planeError(c, err)
		return
	}
	httpkit.Text(c, http.StatusOK, "Both Elasticsearch & Kibana are reset including the data and index mappings")
}

// enrichmentFileName turns an uploaded file name into a bare *.json name: the base name
// only (whatever the client's path separators), unusual characters replaced, .json forced.
func enrichmentFileName(client string) string {
	base := path.Base(strings.ReplaceAll(client, "\\", "/"))
	base = strings.TrimSuffix(base, path.Ext(base))
	var b strings.Builder
	for _, r := range base {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	name := strings.Trim(b.String(), ".")
	if name == "" {
		name = "enrichment"
	}
	return name + ".json"
}

func (k *control) enrichments(c *gin.Context) {
	if c.Request.Method != http.MethodPost {
		httpkit.Text(c, http.StatusNotFound, "")
		return
	}
	if _, ok := httpkit.Form(c); !ok {
		return
	}
	file, header, err := c.Request.FormFile("enrichmentjson")
	if err != nil {
		httpkit.Text(c, http.StatusBadRequest, "missing parameter enrichmentjson: upload the config as a multipart file field named enrichmentjson")
		return
	}
	defer file.Close()
	body := make([]byte, 0, header.Size)
	buf := make([]byte, 32<<10)
	for {
		n, err := file.Read(buf)
		body = append(body, buf[:n]...)
		if err != nil {
			break
		}
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil {
		httpkit.Text(c, http.StatusBadRequest, "JSON is not valid")
		return
	}
	if err := k.o.Plane.PutEnrichment(c.Request.Context(), enrichmentFileName(header.Filename), body); err != nil {
		if errors.Is(err, ErrInvalid) {
			httpkit.Text(c, http.StatusBadRequest, "JSON is not valid: "+strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": "))
			return
		}
		planeError(c, err)
		return
	}
	httpkit.Text(c, http.StatusOK, "uploaded successfully")
}

func (k *control) igluConfig(c *gin.Context) {
	if c.Request.Method != http.MethodPost {
		httpkit.Text(c, http.StatusNotFound, "")
		return
	}
	httpkit.Text(c, http.StatusNotImplemented, "plowbox's Iglu registry is built in: there is no Iglu Server configuration to upload. "+
		"Add registries with /control-plane/external-iglu and publish schemas to /api/schemas.")
}

// validUUID reports whether s is a version 4 UUID in its canonical form.
func validUUID(s string) bool {
	u, err := uuid.Parse(s)
	return err == nil && len(s) == 36 && u.Version() == 4
}

func (k *control) externalIglu(c *gin.Context) {
	f, ok := httpkit.MethodForm(c, http.StatusNotFound, "", http.MethodPost, http.MethodPut)
	if !ok {
		return
	}
	for _, p := range []string{"vendor_prefix", "uri", "name", "priority"} {
		if _, ok := f[p]; !ok {
			httpkit.Text(c, http.StatusBadRequest, "missing parameter")
			return
		}
	}
	priority, err := strconv.Atoi(f.Get("priority"))
	if err != nil {
		httpkit.Text(c, http.StatusBadRequest, "Priority must be an integer")
		return
	}
	uri := f.Get("uri")
	if !k.reachable(c.Request.Context(), uri) {
		httpkit.Text(c, http.StatusBadRequest, "Given URL is not reachable")
		return
	}
	apikey := f.Get("apikey")
	if apikey == "" {
		apikey = f.Get("apiKey")
	}
	if apikey != "" && !validUUID(apikey) {
		httpkit.Text(c, http.StatusBadRequest, "Given apikey is not a valid UUID.")
		return
	}
	var prefixes []string
	if vp := strings.TrimSpace(f.Get("vendor_prefix")); vp != "" {
		for _, p := range strings.Split(vp, ",") {
			if p = strings.TrimSpace(p); p != "" {
				prefixes = append(prefixes, p)
			}
		}
	}
	reg := Registry{Name: f.Get("name"), URI: uri, APIKey: apikey, VendorPrefixes: prefixes, Priority: priority, Source: "control-plane"}
	if err := k.o.Plane.AddRegistry(c.Request.Context(), reg); err != nil {
		planeError(c, err)
		return
	}
	httpkit.Text(c, http.StatusOK, "added successfully")
}

// reachable reports whether GET uri gets any HTTP answer within the timeout.
func (k *control) reachable(ctx context.Context, uri string) bool {
	u, err := url.Parse(uri)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, k.o.ReachTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return false
	}
	resp, err := k.o.HTTPClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return true
}

func (k *control) localIgluAPIKey(c *gin.Context) {
	f, ok := httpkit.MethodForm(c, http.StatusNotFound, "", http.MethodPost)
	if !ok {
		return
	}
	if _, ok := f["local_iglu_apikey"]; !ok {
		httpkit.Text(c, http.StatusBadRequest, "missing parameter")
		return
	}
	key := f.Get("local_iglu_apikey")
	if !validUUID(key) {
		httpkit.Text(c, http.StatusBadRequest, "Given apikey is not valid UUID")
		return
	}
	if err := k.o.Plane.SetSuperKey(c.Request.Context(), key); err != nil {
		planeError(c, err)
		return
	}
	httpkit.Text(c, http.StatusOK, "added successfully")
}

func (k *control) credentials(c *gin.Context) {
	f, ok := httpkit.MethodForm(c, http.StatusNotFound, "", http.MethodPost)
	if !ok {
		return
	}
	for _, p := range []string{"new_username", "new_password"} {
		if _, ok := f[p]; !ok {
			httpkit.Text(c, http.StatusBadRequest, "missing parameter "+p)
			return
		}
	}
	if k.o.Users == nil {
		httpkit.Text(c, http.StatusNotImplemented, "this plowbox keeps no users")
		return
	}
	name, password := f.Get("new_username"), f.Get("new_password")
	if err := users.CheckPassword(password); err != nil {
		httpkit.Text(c, http.StatusBadRequest, err.Error())
		return
	}
	if err := k.o.Users.Upsert(name, password, users.RoleAdmin); err != nil {
		if errors.Is(err, users.ErrBadUserName) {
			httpkit.Text(c, http.StatusBadRequest, err.Error())
			return
		}
		planeError(c, err)
		return
	}
	httpkit.Text(c, http.StatusOK, "changed successfully")
}

// noTLS answers the TLS verbs when plowbox runs without its TLS support.
func noTLS(c *gin.Context) {
	httpkit.Text(c, http.StatusNotImplemented, "this plowbox serves no HTTPS of its own: start it with its TLS options "+
		"(or behind a TLS-terminating load balancer) to use "+c.Request.URL.Path)
}

func (k *control) domainName(c *gin.Context) {
	f, ok := httpkit.MethodForm(c, http.StatusNotFound, "", http.MethodPost)
	if !ok {
		return
	}
	domain := strings.TrimSpace(f.Get("domain_name"))
	if domain == "" {
		httpkit.Text(c, http.StatusBadRequest, "missing parameter")
		return
	}
	if k.o.TLS == nil {
		noTLS(c)
		return
	}
	if err := k.o.TLS.SetDomain(c.Request.Context(), domain); err != nil {
		httpkit.Text(c, http.StatusBadRequest, err.Error())
		return
	}
	httpkit.Text(c, http.StatusOK, "added successfully")
}

func (k *control) addHSTS(c *gin.Context) {
	if c.Request.Method != http.MethodPut {
		httpkit.Text(c, http.StatusNotFound, "")
		return
	}
	if k.o.TLS == nil {
		noTLS(c)
		return
	}
	if err := k.o.TLS.EnableHSTS(); err != nil {
		planeError(c, err)
		return
	}
	httpkit.Text(c, http.StatusOK, "OK")
}

func (k *control) telemetry(c *gin.Context) {
	switch c.Request.Method {
	case http.MethodGet:
		c.Data(http.StatusOK, "application/json", []byte(`{"collector.telemetry.disable":true}`))
	case http.MethodPut:
		f, ok := httpkit.Form(c)
		if !ok {
			return
		}
		switch f.Get("disable") {
		case "":
			httpkit.Text(c, http.StatusBadRequest, "no key named disable")
		case "true", "false":
			c.Status(http.StatusOK) // plowbox sends no telemetry either way
		default:
			httpkit.Text(c, http.StatusBadRequest, "set disable key to either true or false")
		}
	default:
		httpkit.Text(c, http.StatusMethodNotAllowed, "http method not supported")
	}
}

func (k *control) version(c *gin.Context) {
	if c.Request.Method != http.MethodGet {
		httpkit.Text(c, http.StatusNotFound, "")
		return
	}
	httpkit.Text(c, http.StatusOK, k.o.Version)
}

func (k *control) flush(c *gin.Context) {
	if c.Request.Method != http.MethodPost {
		httpkit.Text(c, http.StatusNotFound, "")
		return
	}
	k.o.Plane.FlushIgluCache()
	httpkit.Text(c, http.StatusOK, "OK")
}

func (k *control) status(c *gin.Context) {
	if c.Request.Method != http.MethodGet {
		httpkit.Text(c, http.StatusNotFound, "")
		return
	}
	st := k.o.Plane.Status(c.Request.Context())
	code := http.StatusOK
	if !st.Healthy {
		code = http.StatusServiceUnavailable
	}
	c.JSON(code, st)
}
