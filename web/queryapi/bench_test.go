package queryapi_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plowbox/plowbox/web/webtest"
)

// seedMany stores n events over n seconds, a tenth of them for app "rare".
func seedMany(b *testing.B, f *webtest.Stack, n int) {
	b.Helper()
	for i := range n {
		aid := "shop"
		if i%10 == 0 {
			aid = "rare"
		}
		f.At(webtest.T0.Add(time.Duration(i) * time.Second))
		req := httptest.NewRequest(http.MethodGet, "/i?e=pv&p=web&tv=bench&aid="+aid+"&url=https%3A%2F%2Fshop.example%2Fp%2F"+strconv.Itoa(i), nil)
		rec := httptest.NewRecorder()
		f.Handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("track: %d", rec.Code)
		}
	}
}

// BenchmarkQueryAPI measures the Micro UI's page query and a native search with facets
// over 5,000 stored events, through the router.
func BenchmarkQueryAPI(b *testing.B) {
	f := webtest.NewStack(b, webtest.Options{})
	seedMany(b, f, 5000)
	for _, bc := range []struct{ name, method, path, body string }{
		{"micro events page 1", "POST", "/micro/events", `{"filters":[{"column":"app_id","values":["rare"]}],"page":1,"pageSize":50}`},
		{"micro events page 10", "POST", "/micro/events", `{"filters":[],"page":10,"pageSize":50}`},
		{"search newest 50", "GET", "/plowbox/api/search?size=50", ""},
		{"search with facets", "GET", "/plowbox/api/search?q=page_url:*p*&facets=app_id,event_name&size=50", ""},
		{"micro timeline", "POST", "/micro/timeline", `{"buckets":[{"start":"2026-04-02T10:00:00Z","end":"2026-04-02T11:00:00Z"},{"start":"2026-04-02T11:00:00Z","end":"2026-04-02T12:00:00Z"}]}`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest(bc.method, bc.path, strings.NewReader(bc.body))
				rec := httptest.NewRecorder()
				f.Handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
