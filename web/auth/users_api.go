package auth

import (
	"cmp"
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/plowbox/plowbox/internal/users"
)

// The users and tokens API under /plowbox/api: admins manage users; every user manages
// their own API tokens (admins everyone's). Bodies are forms or JSON objects.
//
//	GET    /plowbox/api/users               list users (admin)
//	POST   /plowbox/api/users               name, password, role → 201 (admin)
//	PUT    /plowbox/api/users/{name}        password and/or role (admin)
//	DELETE /plowbox/api/users/{name}        (admin)
//	GET    /plowbox/api/tokens              own tokens; ?all=true every user's (admin)
//	POST   /plowbox/api/tokens              label[, user (admin)] → 201 {"token":"pbx_…",…}
//	DELETE /plowbox/api/tokens/{id}         revoke

// MountUsersAPI adds the users and tokens API.
func (a *Auth) MountUsersAPI(r *gin.Engine) {
	g := r.Group("/plowbox/api")
	g.GET("/users", a.listUsers)
	g.POST("/users", a.addUser)
	g.PUT("/users/:name", a.updateUser)
	g.DELETE("/users/:name", a.deleteUser)
	g.GET("/tokens", a.listTokens)
	g.POST("/tokens", a.createToken)
	g.DELETE("/tokens/:id", a.revokeToken)
}

// fields reads the named fields of a form or JSON object body.
func fields(c *gin.Context, names ...string) (map[string]string, bool) {
	out := map[string]string{}
	if c.ContentType() == "application/json" {
		var m map[string]any
		if err := c.ShouldBindJSON(&m); err != nil {
			c.AbortWithStatusJSON(http.StatusBadRequest, "the body is not a JSON object: "+err.Error())
			return nil, false
		}
		for _, n := range names {
			if v, ok := m[n].(string); ok {
				out[n] = v
			}
		}
		return out, true
	}
	for _, n := range names {
		if v, ok := c.GetPostForm(n); ok {
			out[n] = v
		}
	}
	return out, true
}

// userError answers a user-management error: 4xx for what the caller can fix.
func userError(c *gin.Context, err error) {
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, users.ErrNoUser), errors.Is(err, users.ErrNoToken):
		status = http.StatusNotFound
	case errors.Is(err, users.ErrUserExists), errors.Is(err, users.ErrLastAdmin):
		status = http.StatusConflict
	case errors.Is(err, users.ErrBadUserName), errors.Is(err, users.ErrWeakPassword), errors.Is(err, users.ErrBadRole):
		status = http.StatusBadRequest
	default:
		c.Error(err)
	}
	c.AbortWithStatusJSON(status, err.Error())
}

func (a *Auth) listUsers(c *gin.Context) {
	list, err := a.users.List()
	if err != nil {
		userError(c, err)
		return
	}
	if list == nil {
		list = []users.User{}
	}
	c.JSON(http.StatusOK, list)
}

func (a *Auth) addUser(c *gin.Context) {
	f, ok := fields(c, "name", "password", "role")
	if !ok {
		return
	}
	role, err := users.ParseRole(cmp.Or(f["role"], string(users.RoleViewer)))
	if err == nil {
		err = users.CheckPassword(f["password"])
	}
	if err == nil {
		err = a.users.Add(f["name"], f["password"], role)
	}
	if err != nil {
		userError(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"name": f["name"], "role": role})
}

func (a *Auth) updateUser(c *gin.Context) {
	f, ok := fields(c, "password", "role")
	if !ok {
		return
	}
	name := c.Param("name")
	if f["password"] == "" && f["role"] == "" {
		c.AbortWithStatusJSON(http.StatusBadRequest, "give a new password, a new role, or both")
		return
	}
	if pw := f["password"]; pw != "" {
		if err := users.CheckPassword(pw); err != nil {
			userError(c, err)
			return
		}
		if err := a.users.SetPassword(name, pw); err != nil {
			userError(c, err)
			return
		}
	}
	if r := f["role"]; r != "" {
		role, err := users.ParseRole(r)
		if err == nil {
			err = a.users.SetRole(name, role)
		}
		if err != nil {
			userError(c, err)
			return
		}
	}
	c.JSON(http.StatusOK, "updated "+name)
}

func (a *Auth) deleteUser(c *gin.Context) {
	if err := a.users.Delete(c.Param("name")); err != nil {
		userError(c, err)
		return
	}
	c.JSON(http.StatusOK, "deleted "+c.Param("name"))
}

func (a *Auth) listTokens(c *gin.Context) {
	p := principalOf(c)
	owner := p.User.Name
	if all, _ := strconv.ParseBool(c.Query("all")); all {
		if p.User.Role != users.RoleAdmin {
			c.AbortWithStatusJSON(http.StatusForbidden, "Forbidden: listing every user's tokens needs the admin role")
			return
		}
		owner = ""
	}
	list, err := a.users.Tokens(owner)
	if err != nil {
		userError(c, err)
		return
	}
	if list == nil {
		list = []users.Token{}
	}
	c.JSON(http.StatusOK, list)
}

func (a *Auth) createToken(c *gin.Context) {
	f, ok := fields(c, "label", "user")
	if !ok {
		return
	}
	p := principalOf(c)
	owner := p.User.Name
	if u := f["user"]; u != "" && u != owner {
		if p.User.Role != users.RoleAdmin {
			c.AbortWithStatusJSON(http.StatusForbidden, "Forbidden: creating a token for another user needs the admin role")
			return
		}
		owner = u
	}
	secret, t, err := a.users.CreateToken(owner, f["label"])
	if err != nil {
		userError(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"token": secret, "id": t.ID, "user": t.User, "label": t.Label, "created": t.Created})
}

func (a *Auth) revokeToken(c *gin.Context) {
	p := principalOf(c)
	owner := p.User.Name
	if p.User.Role == users.RoleAdmin {
		owner = ""
	}
	if err := a.users.RevokeToken(c.Param("id"), owner); err != nil {
		userError(c, err)
		return
	}
	c.JSON(http.StatusOK, "revoked "+c.Param("id"))
}
