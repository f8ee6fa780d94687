package controlplane

import (
	"cmp"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/plowbox/plowbox/internal/users"
	"github.com/plowbox/plowbox/ui"
	"github.com/plowbox/plowbox/web/auth"
	"github.com/plowbox/plowbox/web/httpkit"
)

// The admin pages under /micro/ui/admin: the control plane's actions and user
// management as HTML forms. Every form posts the session's CSRF token (checked by the
// guard under --auth basic) and cross-site posts are refused in any mode. Actions answer
// with a redirect back to the page and its outcome (post/redirect/get), except token
// creation, which shows the new token once.

// admin serves the admin pages.
type admin struct {
	o Options
}

// mountAdmin adds the admin pages.
func mountAdmin(r *gin.Engine, o Options) {
	a := &admin{o: o}
	g := r.Group(ui.AdminPath, httpkit.PageHeaders, refuseCrossSite)
	g.GET("", a.page)
	g.POST("/users", a.addUser)
	g.POST("/users/role", a.setRole)
	g.POST("/users/password", a.setPassword)
	g.POST("/users/delete", a.deleteUser)
	g.POST("/tokens", a.createToken)
	g.POST("/tokens/revoke", a.revokeToken)
	g.POST("/enrichments", a.upload)
	g.POST("/registries", a.addRegistry)
	g.POST("/reload", a.reload)
	g.POST("/reset", a.reset)
}

// refuseCrossSite answers 403 to a write sent from another site.
func refuseCrossSite(c *gin.Context) {
	if auth.UnsafeMethod(c.Request.Method) && auth.CrossSite(c.Request) {
		c.AbortWithStatusJSON(http.StatusForbidden, "Forbidden: cross-site request refused")
	}
}

// view gathers what the page shows.
func (a *admin) view(c *gin.Context) ui.AdminView {
	_, _, csrf := auth.SessionInfo(c)
	v := ui.AdminView{CSRF: csrf, Message: c.Query("msg"), Error: c.Query("err"), UsersOff: a.o.Users == nil}
	const day = "2006-01-02 15:04"
	if a.o.Users != nil {
		users, err := a.o.Users.List()
		if err != nil {
			v.Error = err.Error()
		}
		for _, u := range users {
			v.Users = append(v.Users, ui.AdminUser{Name: u.Name, Role: string(u.Role), Created: u.Created.Format(day)})
		}
		tokens, err := a.o.Users.Tokens("")
		if err != nil {
			v.Error = err.Error()
		}
		for _, t := range tokens {
			row := ui.AdminToken{ID: t.ID, User: t.User, Label: t.Label, Created: t.Created.Format(day), LastUsed: "never"}
			if !t.LastUsed.IsZero() {
				row.LastUsed = t.LastUsed.Format(day)
			}
			v.Tokens = append(v.Tokens, row)
		}
	}
	for _, e := range a.o.Plane.Enrichments() {
		v.Enrichments = append(v.Enrichments, ui.AdminEnrichment{File: e.File, Schema: e.Schema, Status: e.Status, Running: e.Status == "running"})
	}
	v.EnrichDir = a.o.EnrichmentsDir
	for _, r := range a.o.Plane.Registries() {
		v.Registries = append(v.Registries, ui.AdminRegistry{Name: r.Name, URI: r.URI, Prefixes: strings.Join(r.VendorPrefixes, ", "), Source: r.Source, Priority: r.Priority})
	}
	return v
}

func (a *admin) shell(c *gin.Context) ui.Shell {
	user, role, csrf := auth.SessionInfo(c)
	return ui.Shell{Title: "Admin", Active: ui.NavAdmin, User: user, Role: role, CSRF: csrf}
}

func (a *admin) page(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	auth.RenderPage(c, http.StatusOK, ui.AdminPage(a.shell(c), a.view(c)))
}

// done sends the browser back to the page with the outcome of an action.
func done(c *gin.Context, err error, msg string) {
	q := url.Values{"msg": {msg}}
	if err != nil {
		q = url.Values{"err": {err.Error()}}
	}
	c.Redirect(http.StatusSeeOther, ui.AdminPath+"?"+q.Encode())
}

// needUsers answers when plowbox keeps no users.
func (a *admin) needUsers(c *gin.Context) bool {
	if a.o.Users == nil {
		done(c, errors.New("this plowbox keeps no users"), "")
		return false
	}
	return true
}

func (a *admin) addUser(c *gin.Context) {
	if !a.needUsers(c) {
		return
	}
	name, password := c.PostForm("name"), c.PostForm("password")
	role, err := users.ParseRole(c.PostForm("role"))
	if err == nil {
		err = users.CheckPassword(password)
	}
	if err == nil {
		err = a.o.Users.Add(name, password, role)
	}
	done(c, err, "Added "+name+" ("+string(role)+").")
}

func (a *admin) setRole(c *gin.Context) {
	if !a.needUsers(c) {
		return
	}
	name := c.PostForm("name")
	role, err := users.ParseRole(c.PostForm("role"))
	if err == nil {
		err = a.o.Users.SetRole(name, role)
	}
	done(c, err, name+" is now "+string(role)+".")
}

func (a *admin) setPassword(c *gin.Context) {
	if !a.needUsers(c) {
		return
	}
	name, password := c.PostForm("name"), c.PostForm("password")
	err := users.CheckPassword(password)
	if err == nil {
		err = a.o.Users.SetPassword(name, password)
	}
	done(c, err, "Password of "+name+" changed; its browser sessions are signed out.")
}

func (a *admin) deleteUser(c *gin.Context) {
	if !a.needUsers(c) {
		return
	}
	name := c.PostForm("name")
	done(c, a.o.Users.Delete(name), "Deleted "+name+" with its tokens.")
}

func (a *admin) createToken(c *gin.Context) {
	if !a.needUsers(c) {
		return
	}
	secret, t, err := a.o.Users.CreateToken(c.PostForm("user"), c.PostForm("label"))
	if err != nil {
		done(c, err, "")
		return
	}
	v := a.view(c)
	v.NewToken = secret
	v.Message = "Created token " + t.ID + " for " + t.User + "."
	c.Header("Cache-Control", "no-store")
	auth.RenderPage(c, http.StatusCreated, ui.AdminPage(a.shell(c), v))
}

func (a *admin) revokeToken(c *gin.Context) {
	if !a.needUsers(c) {
		return
	}
	id := c.PostForm("id")
	done(c, a.o.Users.RevokeToken(id, ""), "Revoked token "+id+".")
}

func (a *admin) upload(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, httpkit.MaxUpload)
	file, header, err := c.Request.FormFile("enrichmentjson")
	if err != nil {
		done(c, errors.New("choose an enrichment config file to upload"), "")
		return
	}
	defer file.Close()
	body, err := io.ReadAll(file)
	if err != nil {
		done(c, err, "")
		return
	}
	name := enrichmentFileName(header.Filename)
	if err := a.o.Plane.PutEnrichment(c.Request.Context(), name, body); err != nil {
		done(c, errors.New("JSON is not valid: "+strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": ")), "")
		return
	}
	done(c, nil, "Uploaded "+name+"; the next event uses it.")
}

func (a *admin) addRegistry(c *gin.Context) {
	priority, err := strconv.Atoi(cmp.Or(c.PostForm("priority"), "0"))
	if err != nil {
		done(c, errors.New("Priority must be an integer"), "")
		return
	}
	uri, apikey := c.PostForm("uri"), c.PostForm("apikey")
	k := &control{o: a.o}
	switch {
	case c.PostForm("name") == "":
		err = errors.New("give the registry a name")
	case apikey != "" && !validUUID(apikey):
		err = errors.New("Given apikey is not a valid UUID.")
	case !k.reachable(c.Request.Context(), uri):
		err = errors.New("Given URL is not reachable")
	}
	if err != nil {
		done(c, err, "")
		return
	}
	var prefixes []string
	for _, p := range strings.Split(c.PostForm("vendor_prefix"), ",") {
		if p = strings.TrimSpace(p); p != "" {
			prefixes = append(prefixes, p)
		}
	}
	reg := Registry{Name: c.PostForm("name"), URI: uri, APIKey: apikey, VendorPrefixes: prefixes, Priority: priority, Source: "control-plane"}
	done(c, a.o.Plane.AddRegistry(c.Request.Context(), reg), "Added registry "+reg.Name+"; the next schema lookup uses it.")
}

func (a *admin) reload(c *gin.Context) {
	err := a.o.Plane.Reload(c.Request.Context())
	if err != nil {
		err = errors.New(strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": "))
	}
	done(c, err, "Reloaded enrichments and registries; the schema cache is empty.")
}

func (a *admin) reset(c *gin.Context) {
	if c.PostForm("confirm") != "yes" {
		done(c, errors.New("tick the confirmation to reset"), "")
		return
	}
	done(c, a.o.Plane.Reset(c.Request.Context()), "Every event and bad row is deleted.")
}
