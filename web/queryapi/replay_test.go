package queryapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/web"
	"github.com/plowbox/plowbox/web/queryapi"
)

// TestReplayEndpoints runs the replay endpoints without a search index, on a store holding
// one adapter failure (an unknown vendor, which stays bad when replayed): the answers'
// shapes and every refusal. The bad → good path runs against the binary in
// cmd/plowbox's TestReplay.
func TestReplayEndpoints(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	st, err := store.Open(t.TempDir(), store.Options{NoSync: true, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	en := enrich.New(enrich.Config{Version: "1.0.0"})
	body := `{"a":1}`
	p := &collector.Payload{Schema: collector.PayloadSchema, Timestamp: time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC),
		Collector: "plowbox-1.0.0", Encoding: "UTF-8", Path: "/com.acme/v1", Body: &body}
	if err := st.Write(context.Background(), en.Process(context.Background(), p)); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.New(web.Config{Store: st, Logger: log, MicroAPI: 4,
		Replay: &queryapi.ReplayOptions{Store: st, Reprocessor: func() store.Reprocessor { return en }}}))
	defer srv.Close()

	for _, sc := range []struct {
		name, method, path, contentType, body string
		status                                int
		want                                  string // the whole body, or a part of it when it starts with "…"
	}{
		{"not JSON", "POST", "/plowbox/api/replay", "application/json", `{`, 400, `…the body must be JSON`},
		{"nothing asked", "POST", "/plowbox/api/replay", "application/json", `{}`, 400, `…say which bad rows to replay`},
		{"both", "POST", "/plowbox/api/replay", "application/json", `{"q":"x","all":true}`, 400, `…not both`},
		{"search without an index", "POST", "/plowbox/api/replay", "application/json", `{"q":"app_id:x"}`, 503, `…needs plowbox's search index`},
		{"wrong method", "GET", "/plowbox/api/replay", "", "", 404, ""},
		{"all", "POST", "/plowbox/api/replay", "application/json", `{"all":true}`, 200,
			`{"replayed":1,"good":0,"still_bad":1,"dropped":0,"skipped":0,"records":[{"from":1,"to":2,"kind":"bad"}]}`},
		{"control plane, wrong method", "GET", "/control-plane/replay", "", "", 405, "Only POST is supported\n"},
		{"control plane, bad all", "POST", "/control-plane/replay", "application/x-www-form-urlencoded", "all=maybe", 400, `…all must be true or false`},
		{"control plane, search without an index", "POST", "/control-plane/replay", "application/x-www-form-urlencoded", "q=app_id:x", 503, `…replay all=true instead`},
		{"control plane, all", "POST", "/control-plane/replay", "application/x-www-form-urlencoded", "all=true", 200, "replayed 1: 0 good, 1 still bad"},
	} {
		t.Run(sc.name, func(t *testing.T) {
			req, _ := http.NewRequest(sc.method, srv.URL+sc.path, strings.NewReader(sc.body))
			if sc.contentType != "" {
				req.Header.Set("Content-Type", sc.contentType)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			got := string(b)
			ok := got == sc.want
			if part, isPart := strings.CutPrefix(sc.want, "…"); isPart {
				ok = strings.Contains(got, part)
			}
			if resp.StatusCode != sc.status || (sc.want != "" && !ok) {
				t.Errorf("%s %s = %d %q, want %d %q", sc.method, sc.path, resp.StatusCode, got, sc.status, sc.want)
			}
		})
	}
	if c := st.Counts(); c != (store.Counts{Bad: 1}) {
		t.Errorf("Counts() = %+v, want the one bad row", c)
	}
	if seqs, _ := st.BadSeqs(); len(seqs) != 1 || seqs[0] != 3 {
		t.Errorf("bad rows %v, want [3] after two replays", seqs)
	}
}
