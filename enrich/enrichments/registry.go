package enrichments

import "github.com/plowbox/plowbox/enrich"

// kind describes one known enrichment config schema name.
type kind struct {
	step   int      // row of the phase 2 table (enriched-event.md §1)
	models []string // accepted schema MODEL versions
	// build builds the enrichment; nil means the config is accepted but not supported.
	build func(b *builder, c *config) (enrich.Enrichment, error)
	multi bool // may be configured more than once
}

// kinds maps a config schema name to its kind. It is never modified.
var kinds = map[string]kind{
	"iab_spiders_and_robots_enrichment": {step: 4, models: []string{"1"}, build: buildIAB},
	"user_agent_utils_config":           {step: 5, models: []string{"1"}},
	"ua_parser_config":                  {step: 6, models: []string{"1"}, build: buildUAParser},
	"currency_conversion_config":        {step: 7, models: []string{"1"}},
	"referer_parser":                    {step: 8, models: []string{"2"}, build: buildRefererParser},
	"campaign_attribution":              {step: 10, models: []string{"1"}, build: buildCampaign},
	"cross_navigation_config":           {step: 11, models: []string{"1"}, build: buildCrossNavigation},
	"event_fingerprint_config":          {step: 12, models: []string{"1"}, build: buildFingerprint},
	"cookie_extractor_config":           {step: 13, models: []string{"1"}, build: buildCookieExtractor},
	"http_header_extractor_config":      {step: 14, models: []string{"1"}, build: buildHeaderExtractor},
	"weather_enrichment_config":         {step: 15, models: []string{"1"}},
	"yauaa_enrichment_config":           {step: 16, models: []string{"1"}},
	"ip_lookups":                        {step: 18, models: []string{"2"}, build: buildIPLookups},
	"asn_lookups":                       {step: 19, models: []string{"1"}, build: buildASNLookups},
	"bot_detection_enrichment_config":   {step: 20, models: []string{"1"}},
	"javascript_script_config":          {step: enrich.StepJavaScript, models: []string{"1"}, build: buildJavaScript, multi: true},
	"sql_query_enrichment_config":       {step: 22, models: []string{"1"}},
	"api_request_enrichment_config":     {step: 23, models: []string{"1"}},
	"anon_ip":                           {step: 24, models: []string{"1"}, build: buildAnonIP},
	"pii_enrichment_config":             {step: 25, models: []string{"2"}, build: buildPII},
	"event_spec_enrichment_config":      {step: 26, models: []string{"1"}},
}
