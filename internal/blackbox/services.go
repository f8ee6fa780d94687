package blackbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/plowbox/plowbox/internal/pgtest"
)

// Services are local stand-ins for the outside services that the cases with `requires`
// need, set up as their notes describe: the HTTP API of the API request case, the
// PostgreSQL database of the SQL query case, and Open Exchange Rates for the currency
// cases. Each is started on first use and stopped when the test that made Services ends.
type Services struct {
	t        testing.TB
	api      *httptest.Server
	rates    *httptest.Server
	pgOnce   sync.Once
	pg       *pgtest.Server
	pgErr    error
	pgReason string
}

// NewServices returns the services of a test; nothing is started yet.
func NewServices(t testing.TB) *Services { return &Services{t: t} }

// APIAnswer is what the API request case's stub answers to any GET under /guest, as
// upstream's CI stub does.
const APIAnswer = `{"serviceName": "sp-api-request-enrichment"}`

// upstreamAPI is the API address the API request case's config names.
const upstreamAPI = "http://localhost:8000"

// APIURL is the base URL of the API stub, started on first use.
func (s *Services) APIURL() string {
	if s.api == nil {
		s.api = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, "/guest/") {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, APIAnswer)
		}))
		s.t.Cleanup(s.api.Close)
	}
	return s.api.URL
}

// RatesDay is the only day the exchange-rate stub has rates for: the day before the
// currency cases' collector time (2019-07-01), whose end-of-day rates EOD_PRIOR uses.
const RatesDay = "2019-06-30"

// Rates are the stub's USD-based rates: the EUR and GBP rates that give the currency
// cases' expected *_base values.
const Rates = `{"disclaimer":"plowbox test stub","license":"test only","timestamp":1561939199,"base":"USD","rates":{"EUR":0.885936,"GBP":0.790855,"USD":1}}`

// RatesURL is the base URL of the Open Exchange Rates stub, started on first use: it
// serves /historical/<RatesDay>.json and answers 404 for any other day.
func (s *Services) RatesURL() string {
	if s.rates == nil {
		s.rates = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/historical/"+RatesDay+".json" || r.URL.Query().Get("app_id") == "" {
				http.Error(w, `{"error":true,"status":404,"message":"not_found"}`, http.StatusNotFound)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, Rates)
		}))
		s.t.Cleanup(s.rates.Close)
	}
	return s.rates.URL
}

// Postgres returns the SQL query case's database: a PostgreSQL server with database
// sql_enrichment_test, user enricher (password supersecret1) and the table
// enrichment_test holding one row. Without PostgreSQL installed it returns nil and the
// reason, unless CI=true, where the test fails.
func (s *Services) Postgres() (*pgtest.Server, string) {
	s.pgOnce.Do(func() {
		pg, err := pgtest.Start()
		if err != nil {
			s.pgErr = err
			return
		}
		s.t.Cleanup(func() {
			if err := pg.Stop(); err != nil {
				s.t.Error(err)
			}
		})
		s.pgErr = pg.Exec("postgres", "CREATE USER enricher PASSWORD 'supersecret1'", "CREATE DATABASE sql_enrichment_test OWNER enricher")
		if s.pgErr == nil {
			s.pgErr = pg.Exec("sql_enrichment_test",
				`CREATE TABLE enrichment_test(service_name VARCHAR(30), current_status VARCHAR(16), last_status VARCHAR(16), pk INTEGER PRIMARY KEY)`,
				`INSERT INTO enrichment_test VALUES ('sp-sql-request-enrichment', 'OK', 'OK', 1)`,
				`GRANT SELECT ON enrichment_test TO enricher`)
		}
		s.pg = pg
	})
	if s.pgErr != nil {
		if errors.Is(s.pgErr, pgtest.ErrNotInstalled) && !inCI() {
			return nil, s.pgErr.Error()
		}
		s.t.Fatal(s.pgErr)
	}
	return s.pg, ""
}

// Enrichments returns the case's enrichment configs pointed at the local services, or
// the reason the case cannot run here (PostgreSQL missing, or a requirement no local
// service stands in for).
func (s *Services) Enrichments(c *Case) ([]json.RawMessage, string) {
	if c.Requires == nil {
		return c.Enrichments, ""
	}
	out := make([]json.RawMessage, len(c.Enrichments))
	for i, raw := range c.Enrichments {
		var sd struct {
			Schema string         `json:"schema"`
			Data   map[string]any `json:"data"`
		}
		if err := json.Unmarshal(raw, &sd); err != nil {
			s.t.Fatalf("config %d: %v", i, err)
		}
		params, _ := sd.Data["parameters"].(map[string]any)
		switch name, _ := sd.Data["name"].(string); name {
		case "api_request_enrichment_config":
			h := dig(params, "api", "http")
			uri, _ := h["uri"].(string)
			h["uri"] = strings.Replace(uri, upstreamAPI, s.APIURL(), 1)
		case "sql_query_enrichment_config":
			pg, why := s.Postgres()
			if pg == nil {
				return nil, why
			}
			db := dig(params, "database", "postgresql")
			db["host"], db["port"] = pg.Host, pg.Port
		case "currency_conversion_config":
			s.RatesURL() // the URL is an option of the enrichments, not part of the config
		default:
			return nil, "no local stand-in for " + *c.Requires
		}
		b, err := json.Marshal(sd)
		if err != nil {
			s.t.Fatal(err)
		}
		out[i] = b
	}
	return out, ""
}

// ExchangeRatesURL is the Open Exchange Rates base URL to give the enrichments: the
// stub's once a case has needed it, else "".
func (s *Services) ExchangeRatesURL() string {
	if s.rates == nil {
		return ""
	}
	return s.rates.URL
}

// dig returns the object at path inside m, or an empty one.
func dig(m map[string]any, path ...string) map[string]any {
	for _, k := range path {
		next, _ := m[k].(map[string]any)
		if next == nil {
			return map[string]any{}
		}
		m = next
	}
	return m
}

// inCI reports whether the tests run in CI, where every service must be available.
func inCI() bool { return os.Getenv("CI") == "true" }
