package enrichments

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/plowbox/plowbox/internal/blackbox"
	"github.com/plowbox/plowbox/internal/pgtest"
)

// BenchmarkServiceEnrichments measures the enrichments that call a service, against
// local ones on loopback: an API request answered by its cache and by the API, a SQL
// query (PostgreSQL) uncached, and a currency conversion with the day's rates fetched.
func BenchmarkServiceEnrichments(b *testing.B) {
	stub := newAPIStub(b, http.StatusOK, `{"record":{"name":"Ann"}}`)
	fields := map[string]string{"app_id": "shop", "user_id": "42", "collector_tstamp": "2019-07-01 19:23:03.000",
		"tr_total": "8000", "tr_tax": "200", "tr_shipping": "50", "tr_currency": "USD"}
	b.Run("api_request/cached", func(b *testing.B) {
		benchEnrich(b, apiConfig(b, stub.URL, "", nil), fields, nil)
	})
	b.Run("api_request/uncached", func(b *testing.B) {
		benchEnrich(b, apiConfig(b, stub.URL, "", map[string]any{"cache": map[string]any{"size": 0, "ttl": 60}}), fields, nil)
	})
	b.Run("currency_conversion", func(b *testing.B) {
		services := blackbox.NewServices(b)
		benchEnrich(b, loadFixture(b, "currency_conversion_config.good.json", Options{ExchangeRatesURL: services.RatesURL()}), fields, nil)
	})
	b.Run("sql_query/uncached", func(b *testing.B) {
		pg := pgtest.Require(b)
		if err := pg.Exec("postgres", "CREATE USER reader PASSWORD 's3cret'", "CREATE DATABASE crm OWNER reader"); err != nil {
			b.Fatal(err)
		}
		if err := pg.Exec("crm", "CREATE TABLE users (user_id TEXT PRIMARY KEY, full_name TEXT)", "INSERT INTO users VALUES ('42', 'Ann')",
			"GRANT SELECT ON users TO reader"); err != nil {
			b.Fatal(err)
		}
		en := sqlConfigFor(b, map[string]any{"postgresql": map[string]any{"host": pg.Host, "port": pg.Port, "sslMode": false, "username": "reader", "password": "s3cret", "database": "crm"}},
			"SELECT full_name FROM users WHERE user_id = ?", "EXACTLY_ONE", "ALL_ROWS", []any{map[string]any{"placeholder": 1, "pojo": map[string]any{"field": "user_id"}}})
		en.(*sqlQuery).cache = newLookupCache[[]json.RawMessage](0, 0)
		benchEnrich(b, en, fields, nil)
	})
}
