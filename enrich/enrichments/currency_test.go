package enrichments

import (
	"context"
	"math/big"
	"strings"
	"testing"

	"github.com/plowbox/plowbox/internal/blackbox"
)

func TestRoundHalfEven(t *testing.T) {
	tests := []struct{ in, want string }{
		{"44.2968", "44.30"}, {"1.005", "1.00"}, {"1.015", "1.02"}, {"2", "2.00"}, {"-1.005", "-1.00"}, {"-1.006", "-1.01"}, {"0.004", "0.00"},
	}
	for _, tt := range tests {
		r, _ := new(big.Rat).SetString(tt.in)
		if got := roundHalfEven(r, 2); got != tt.want {
			t.Errorf("roundHalfEven(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestCurrencyConversion converts with the rates of the black-box stub (USD-based rates
// of 2019-06-30), the day before the events' collector time.
func TestCurrencyConversion(t *testing.T) {
	services := blackbox.NewServices(t)
	opts := Options{ExchangeRatesURL: services.RatesURL()}
	en := loadFixture(t, "currency_conversion_config.good.json", opts) // base EUR
	const day = "2019-07-01 19:23:03.000"
	tests := []struct {
		name    string
		fields  map[string]string
		want    map[string]string
		wantErr string
	}{
		{name: "transaction in USD", fields: map[string]string{"collector_tstamp": day, "tr_total": "8000", "tr_tax": "200", "tr_shipping": "50", "tr_currency": "USD"},
			want: map[string]string{"tr_total_base": "7087.49", "tr_tax_base": "177.19", "tr_shipping_base": "44.30", "base_currency": "EUR"}},
		{name: "item in GBP, crossed through USD", fields: map[string]string{"collector_tstamp": day, "ti_price": "2000", "ti_currency": "GBP"},
			want: map[string]string{"ti_price_base": "2240.45", "base_currency": "EUR"}},
		{name: "already in the base currency", fields: map[string]string{"collector_tstamp": day, "ti_price": "19.99", "ti_currency": "EUR"},
			want: map[string]string{"ti_price_base": "19.99", "base_currency": "EUR"}},
		{name: "no currency: nothing converted", fields: map[string]string{"collector_tstamp": day, "tr_total": "10"},
			want: map[string]string{"tr_total_base": "", "base_currency": ""}},
		{name: "an unknown currency", fields: map[string]string{"collector_tstamp": day, "tr_total": "10", "tr_currency": "XYZ"},
			wantErr: "no XYZ exchange rate for 2019-06-30"},
		{name: "a day without rates", fields: map[string]string{"collector_tstamp": "2020-01-02 00:00:00.000", "tr_total": "10", "tr_currency": "USD"},
			wantErr: "exchange rates for 2020-01-01 from " + services.RatesURL() + ": status 404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEvent(t, tt.fields)
			_, err := en.Enrich(context.Background(), e, nil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range tt.want {
				if got := e.Get(fieldByName(name)); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
		})
	}
}
