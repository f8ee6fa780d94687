package enrichments

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

// DefaultExchangeRatesURL is the Open Exchange Rates API that currency_conversion_config
// calls unless Options.ExchangeRatesURL points elsewhere.
const DefaultExchangeRatesURL = "https://openexchangerates.org/api"

// currencyConversion is the currency_conversion_config enrichment: it converts the
// transaction's total, tax and shipping and the transaction item's price into the
// configured base currency at the end-of-day rate of the day before the event was
// collected, and sets base_currency
// (https://docs.snowplow.io/docs/pipeline/enrichments/available-enrichments/currency-conversion-enrichment/).
// Rates are read from Open Exchange Rates' historical endpoint, whose USD-based rates
// every account type gets, and crossed into the base currency.
type currencyConversion struct {
	base
	apiKey, baseCurrency string
	endpoint             string
	client               *http.Client
	mu                   sync.Mutex
	rates                map[string]map[string]*big.Rat // day → currency → units per USD
}

// ratesTimeout bounds one request for a day's exchange rates.
const ratesTimeout = 5 * time.Second

// currencyRe matches an ISO 4217 currency code.
var currencyRe = regexp.MustCompile(`^[A-Z]{3}$`)

// buildCurrency checks a currency_conversion_config config.
func buildCurrency(b *builder, c *config) (enrich.Enrichment, error) {
	var p struct {
		APIKey       *string `json:"apiKey"`
		BaseCurrency *string `json:"baseCurrency"`
		RateAt       *string `json:"rateAt"`
		AccountType  *string `json:"accountType"`
	}
	if err := c.params(&p); err != nil {
		return nil, err
	}
	switch {
	case p.APIKey == nil:
		return nil, fieldErr("apiKey", "is required")
	case p.BaseCurrency == nil || !currencyRe.MatchString(*p.BaseCurrency):
		return nil, fieldErr("baseCurrency", "must be a three-letter ISO 4217 code")
	case p.RateAt == nil || *p.RateAt != "EOD_PRIOR":
		return nil, fieldErr("rateAt", "must be EOD_PRIOR")
	case p.AccountType == nil || (*p.AccountType != "DEVELOPER" && *p.AccountType != "ENTERPRISE" && *p.AccountType != "UNLIMITED"):
		return nil, fieldErr("accountType", "must be DEVELOPER, ENTERPRISE or UNLIMITED")
	}
	endpoint := b.opts.ExchangeRatesURL
	if endpoint == "" {
		endpoint = DefaultExchangeRatesURL
	}
	// The rates are fetched while a tracker waits for its answer: bound the wait.
	client := &http.Client{Timeout: ratesTimeout}
	if b.opts.HTTPClient != nil {
		client.Transport = b.opts.HTTPClient.Transport
	}
	return &currencyConversion{base: newBase(c, 7), apiKey: *p.APIKey, baseCurrency: *p.BaseCurrency,
		endpoint: strings.TrimSuffix(endpoint, "/"), client: client, rates: map[string]map[string]*big.Rat{}}, nil
}

// conversion is one amount field and the currency field it is expressed in.
type conversion struct{ amount, currency, target event.Field }

// conversions are the fields the enrichment converts.
var conversions = []conversion{
	{event.TrTotal, event.TrCurrency, event.TrTotalBase},
	{event.TrTax, event.TrCurrency, event.TrTaxBase},
	{event.TrShipping, event.TrCurrency, event.TrShippingBase},
	{event.TiPrice, event.TiCurrency, event.TiPriceBase},
}

// Enrich implements enrich.Enrichment. Only transactions and transaction items with a
// currency are converted.
func (cc *currencyConversion) Enrich(ctx context.Context, e *event.Event, _ *enrich.Input) ([]json.RawMessage, error) {
	tstamp, ok := e.Time(event.CollectorTstamp)
	if !ok {
		return nil, nil
	}
	day := tstamp.UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	var errs []string
	for _, cv := range conversions {
		amount, cur := e.Get(cv.amount), e.Get(cv.currency)
		if amount == "" || cur == "" {
			continue
		}
		v, ok := new(big.Rat).SetString(amount)
		if !ok {
			errs = append(errs, fmt.Sprintf("%s %q is not a number", event.Fields[cv.amount].Name, amount))
			continue
		}
		rate, err := cc.rate(ctx, day, cur)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		e.Set(cv.target, roundHalfEven(v.Mul(v, rate), 2))
		e.Set(event.BaseCurrency, cc.baseCurrency)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("currency conversion: %s", strings.Join(errs, "; "))
	}
	return nil, nil
}

// rate returns how many units of the base currency one unit of cur was worth at the end
// of day.
func (cc *currencyConversion) rate(ctx context.Context, day, cur string) (*big.Rat, error) {
	rates, err := cc.dayRates(ctx, day)
	if err != nil {
		return nil, err
	}
	from, to := rates[cur], rates[cc.baseCurrency]
	if cur == "USD" {
		from = big.NewRat(1, 1)
	}
	if cc.baseCurrency == "USD" {
		to = big.NewRat(1, 1)
	}
	switch {
	case from == nil || from.Sign() == 0:
		return nil, fmt.Errorf("no %s exchange rate for %s", cur, day)
	case to == nil:
		return nil, fmt.Errorf("no %s exchange rate for %s", cc.baseCurrency, day)
	}
	return new(big.Rat).Quo(to, from), nil
}

// dayRates returns the USD-based rates of a day, fetched once.
func (cc *currencyConversion) dayRates(ctx context.Context, day string) (map[string]*big.Rat, error) {
	cc.mu.Lock()
	rates, ok := cc.rates[day]
	cc.mu.Unlock()
	if ok {
		return rates, nil
	}
	u := cc.endpoint + "/historical/" + day + ".json?app_id=" + url.QueryEscape(cc.apiKey)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("exchange rates for %s: %w", day, err)
	}
	resp, err := cc.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("exchange rates for %s from %s: %w", day, cc.endpoint, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("exchange rates for %s: read answer: %w", day, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("exchange rates for %s from %s: status %d: %s", day, cc.endpoint, resp.StatusCode, truncate(string(b), 200))
	}
	var doc struct {
		Base  string                 `json:"base"`
		Rates map[string]json.Number `json:"rates"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("exchange rates for %s: answer is not Open Exchange Rates JSON: %w", day, err)
	}
	if doc.Base != "" && doc.Base != "USD" {
		return nil, fmt.Errorf("exchange rates for %s: base %s, want USD", day, doc.Base)
	}
	rates = make(map[string]*big.Rat, len(doc.Rates))
	for k, v := range doc.Rates {
		if r, ok := new(big.Rat).SetString(v.String()); ok {
			rates[k] = r
		}
	}
	cc.mu.Lock()
	cc.rates[day] = rates
	cc.mu.Unlock()
	return rates, nil
}

// roundHalfEven renders r with exactly places decimals, rounding half to even.
func roundHalfEven(r *big.Rat, places int) string {
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)), nil)
	x := new(big.Rat).Mul(r, new(big.Rat).SetInt(scale))
	q, m := new(big.Int).QuoRem(x.Num(), x.Denom(), new(big.Int))
	// compare 2|m| with the denominator to decide the rounding
	twice := new(big.Int).Abs(m)
	twice.Lsh(twice, 1)
	switch c := twice.Cmp(x.Denom()); {
	case c > 0, c == 0 && q.Bit(0) == 1:
		if x.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return new(big.Rat).SetFrac(q, scale).FloatString(places)
}
