// Package ui holds plowbox's explorer pages as templ components and the static assets
// they load. Components are pure: data in, HTML out; the web package fetches the data
// and renders them.
package ui

// Base is the path under which plowbox serves the explorer.
const Base = "/micro/ui"

// StaticPath is where the embedded assets in Static are served.
const StaticPath = Base + "/static"

// Nav items of the page shell, for Shell.Active.
const (
	NavEvents  = "events"
	NavBad     = "bad"
	NavLive    = "live"
	NavSchemas = "schemas"
	NavStatus  = "status"
	NavPlans   = "plans"
	NavAdmin   = "admin"
)

// Shell is what every page's frame needs: the title, the active nav item, the
// signed-in user and the CSRF token for forms.
type Shell struct {
	Title  string // page title, shown in the browser tab after "plowbox · "
	Active string // one of the Nav* constants; "" highlights nothing
	User   string // signed-in user's name; "" with --auth none
	Role   string // signed-in user's role, e.g. "admin" or "viewer"; "" with --auth none
	CSRF   string // token that forms post back as the field "csrf"; "" when not needed
}

// navItem is one link of the top navigation.
type navItem struct {
	id, label, href string
}

// navItems are the explorer's sections, in display order.
var navItems = []navItem{
	{NavEvents, "Events", Base + "/events"},
	{NavBad, "Bad rows", Base + "/bad"},
	{NavLive, "Live", Base + "/live"},
	{NavSchemas, "Schemas", Base + "/schemas"},
	{NavPlans, "Plans", Base + "/plans"},
	{NavStatus, "Status", Base + "/status"},
	{NavAdmin, "Admin", Base + "/admin"},
}
