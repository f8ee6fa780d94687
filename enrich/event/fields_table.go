// The field table follows enriched-event.md §2; keep it in canonical order.

package event

// The 131 fields of the enriched event, in canonical (TSV) order.
const (
	AppID Field = iota
	Platform
	EtlTstamp
	CollectorTstamp
	DvceCreatedTstamp
	EventType
	EventID
	TxnID
	NameTracker
	VTracker
	VCollector
	VEtl
	UserID
	UserIPAddress
	UserFingerprint
	DomainUserid
	DomainSessionidx
	NetworkUserid
	GeoCountry
	GeoRegion
	GeoCity
	GeoZipcode
	GeoLatitude
	GeoLongitude
	GeoRegionName
	IPIsp
	IPOrganization
	IPDomain
	IPNetspeed
	PageURL
	PageTitle
	PageReferrer
	PageURLscheme
	PageURLhost
	PageURLport
	PageURLpath
	PageURLquery
	PageURLfragment
	RefrURLscheme
	RefrURLhost
	RefrURLport
	RefrURLpath
	RefrURLquery
	RefrURLfragment
	RefrMedium
	RefrSource
	RefrTerm
	MktMedium
	MktSource
	MktTerm
	MktContent
	MktCampaign
	Contexts
	SeCategory
	SeAction
	SeLabel
	SeProperty
	SeValue
	UnstructEvent
	TrOrderid
	TrAffiliation
	TrTotal
	TrTax
	TrShipping
	TrCity
	TrState
	TrCountry
	TiOrderid
	TiSku
	TiName
	TiCategory
	TiPrice
	TiQuantity
	PpXoffsetMin
	PpXoffsetMax
	PpYoffsetMin
	PpYoffsetMax
	Useragent
	BrName
	BrFamily
	BrVersion
	BrType
	BrRenderengine
	BrLang
	BrFeaturesPdf
	BrFeaturesFlash
	BrFeaturesJava
	BrFeaturesDirector
	BrFeaturesQuicktime
	BrFeaturesRealplayer
	BrFeaturesWindowsmedia
	BrFeaturesGears
	BrFeaturesSilverlight
	BrCookies
	BrColordepth
	BrViewwidth
	BrViewheight
	OsName
	OsFamily
	OsManufacturer
	OsTimezone
	DvceType
	DvceIsmobile
	DvceScreenwidth
	DvceScreenheight
	DocCharset
	DocWidth
	DocHeight
	TrCurrency
	TrTotalBase
	TrTaxBase
	TrShippingBase
	TiCurrency
	TiPriceBase
	BaseCurrency
	GeoTimezone
	MktClickid
	MktNetwork
	EtlTags
	DvceSentTstamp
	RefrDomainUserid
	RefrDvceTstamp
	DerivedContexts
	DomainSessionid
	DerivedTstamp
	EventVendor
	EventName
	EventFormat
	EventVersion
	EventFingerprint
	TrueTstamp

	// NumFields is the number of fields of the enriched event.
	NumFields int = iota
)

// Fields describes every field, indexed by Field.
var Fields = [NumFields]FieldInfo{
	AppID:                  {Name: "app_id", SDKName: "app_id", Kind: KindString, MaxLen: 255},
	Platform:               {Name: "platform", SDKName: "platform", Kind: KindString, MaxLen: 255},
	EtlTstamp:              {Name: "etl_tstamp", SDKName: "etl_tstamp", Kind: KindTimestamp, MaxLen: 0},
	CollectorTstamp:        {Name: "collector_tstamp", SDKName: "collector_tstamp", Kind: KindTimestamp, MaxLen: 0},
	DvceCreatedTstamp:      {Name: "dvce_created_tstamp", SDKName: "dvce_created_tstamp", Kind: KindTimestamp, MaxLen: 0},
	EventType:              {Name: "event", SDKName: "event", Kind: KindString, MaxLen: 128},
	EventID:                {Name: "event_id", SDKName: "event_id", Kind: KindString, MaxLen: 36},
	TxnID:                  {Name: "txn_id", SDKName: "txn_id", Kind: KindInt, MaxLen: 0},
	NameTracker:            {Name: "name_tracker", SDKName: "name_tracker", Kind: KindString, MaxLen: 128},
	VTracker:               {Name: "v_tracker", SDKName: "v_tracker", Kind: KindString, MaxLen: 100},
	VCollector:             {Name: "v_collector", SDKName: "v_collector", Kind: KindString, MaxLen: 100},
	VEtl:                   {Name: "v_etl", SDKName: "v_etl", Kind: KindString, MaxLen: 100},
	UserID:                 {Name: "user_id", SDKName: "user_id", Kind: KindString, MaxLen: 255},
	UserIPAddress:          {Name: "user_ipaddress", SDKName: "user_ipaddress", Kind: KindString, MaxLen: 128},
	UserFingerprint:        {Name: "user_fingerprint", SDKName: "user_fingerprint", Kind: KindString, MaxLen: 128},
	DomainUserid:           {Name: "domain_userid", SDKName: "domain_userid", Kind: KindString, MaxLen: 128},
	DomainSessionidx:       {Name: "domain_sessionidx", SDKName: "domain_sessionidx", Kind: KindInt, MaxLen: 0},
	NetworkUserid:          {Name: "network_userid", SDKName: "network_userid", Kind: KindString, MaxLen: 128},
	GeoCountry:             {Name: "geo_country", SDKName: "geo_country", Kind: KindString, MaxLen: 2},
	GeoRegion:              {Name: "geo_region", SDKName: "geo_region", Kind: KindString, MaxLen: 3},
	GeoCity:                {Name: "geo_city", SDKName: "geo_city", Kind: KindString, MaxLen: 75},
	GeoZipcode:             {Name: "geo_zipcode", SDKName: "geo_zipcode", Kind: KindString, MaxLen: 15},
	GeoLatitude:            {Name: "geo_latitude", SDKName: "geo_latitude", Kind: KindFloat, MaxLen: 0},
	GeoLongitude:           {Name: "geo_longitude", SDKName: "geo_longitude", Kind: KindFloat, MaxLen: 0},
	GeoRegionName:          {Name: "geo_region_name", SDKName: "geo_region_name", Kind: KindString, MaxLen: 100},
	IPIsp:                  {Name: "ip_isp", SDKName: "ip_isp", Kind: KindString, MaxLen: 100},
	IPOrganization:         {Name: "ip_organization", SDKName: "ip_organization", Kind: KindString, MaxLen: 128},
	IPDomain:               {Name: "ip_domain", SDKName: "ip_domain", Kind: KindString, MaxLen: 128},
	IPNetspeed:             {Name: "ip_netspeed", SDKName: "ip_netspeed", Kind: KindString, MaxLen: 100},
	PageURL:                {Name: "page_url", SDKName: "page_url", Kind: KindString, MaxLen: 10000},
	PageTitle:              {Name: "page_title", SDKName: "page_title", Kind: KindString, MaxLen: 2000},
	PageReferrer:           {Name: "page_referrer", SDKName: "page_referrer", Kind: KindString, MaxLen: 10000},
	PageURLscheme:          {Name: "page_urlscheme", SDKName: "page_urlscheme", Kind: KindString, MaxLen: 16},
	PageURLhost:            {Name: "page_urlhost", SDKName: "page_urlhost", Kind: KindString, MaxLen: 255},
	PageURLport:            {Name: "page_urlport", SDKName: "page_urlport", Kind: KindInt, MaxLen: 0},
	PageURLpath:            {Name: "page_urlpath", SDKName: "page_urlpath", Kind: KindString, MaxLen: 3000},
	PageURLquery:           {Name: "page_urlquery", SDKName: "page_urlquery", Kind: KindString, MaxLen: 6000},
	PageURLfragment:        {Name: "page_urlfragment", SDKName: "page_urlfragment", Kind: KindString, MaxLen: 3000},
	RefrURLscheme:          {Name: "refr_urlscheme", SDKName: "refr_urlscheme", Kind: KindString, MaxLen: 16},
	RefrURLhost:            {Name: "refr_urlhost", SDKName: "refr_urlhost", Kind: KindString, MaxLen: 255},
	RefrURLport:            {Name: "refr_urlport", SDKName: "refr_urlport", Kind: KindInt, MaxLen: 0},
	RefrURLpath:            {Name: "refr_urlpath", SDKName: "refr_urlpath", Kind: KindString, MaxLen: 6000},
	RefrURLquery:           {Name: "refr_urlquery", SDKName: "refr_urlquery", Kind: KindString, MaxLen: 6000},
	RefrURLfragment:        {Name: "refr_urlfragment", SDKName: "refr_urlfragment", Kind: KindString, MaxLen: 3000},
	RefrMedium:             {Name: "refr_medium", SDKName: "refr_medium", Kind: KindString, MaxLen: 25},
	RefrSource:             {Name: "refr_source", SDKName: "refr_source", Kind: KindString, MaxLen: 50},
	RefrTerm:               {Name: "refr_term", SDKName: "refr_term", Kind: KindString, MaxLen: 255},
	MktMedium:              {Name: "mkt_medium", SDKName: "mkt_medium", Kind: KindString, MaxLen: 255},
	MktSource:              {Name: "mkt_source", SDKName: "mkt_source", Kind: KindString, MaxLen: 255},
	MktTerm:                {Name: "mkt_term", SDKName: "mkt_term", Kind: KindString, MaxLen: 255},
	MktContent:             {Name: "mkt_content", SDKName: "mkt_content", Kind: KindString, MaxLen: 500},
	MktCampaign:            {Name: "mkt_campaign", SDKName: "mkt_campaign", Kind: KindString, MaxLen: 255},
	Contexts:               {Name: "contexts", SDKName: "contexts", Kind: KindContexts, MaxLen: 0},
	SeCategory:             {Name: "se_category", SDKName: "se_category", Kind: KindString, MaxLen: 1000},
	SeAction:               {Name: "se_action", SDKName: "se_action", Kind: KindString, MaxLen: 1000},
	SeLabel:                {Name: "se_label", SDKName: "se_label", Kind: KindString, MaxLen: 4096},
	SeProperty:             {Name: "se_property", SDKName: "se_property", Kind: KindString, MaxLen: 1000},
	SeValue:                {Name: "se_value", SDKName: "se_value", Kind: KindDouble, MaxLen: 0},
	UnstructEvent:          {Name: "unstruct_event", SDKName: "unstruct_event", Kind: KindUnstruct, MaxLen: 0},
	TrOrderid:              {Name: "tr_orderid", SDKName: "tr_orderid", Kind: KindString, MaxLen: 255},
	TrAffiliation:          {Name: "tr_affiliation", SDKName: "tr_affiliation", Kind: KindString, MaxLen: 255},
	TrTotal:                {Name: "tr_total", SDKName: "tr_total", Kind: KindDouble, MaxLen: 0},
	TrTax:                  {Name: "tr_tax", SDKName: "tr_tax", Kind: KindDouble, MaxLen: 0},
	TrShipping:             {Name: "tr_shipping", SDKName: "tr_shipping", Kind: KindDouble, MaxLen: 0},
	TrCity:                 {Name: "tr_city", SDKName: "tr_city", Kind: KindString, MaxLen: 255},
	TrState:                {Name: "tr_state", SDKName: "tr_state", Kind: KindString, MaxLen: 255},
	TrCountry:              {Name: "tr_country", SDKName: "tr_country", Kind: KindString, MaxLen: 255},
	TiOrderid:              {Name: "ti_orderid", SDKName: "ti_orderid", Kind: KindString, MaxLen: 255},
	TiSku:                  {Name: "ti_sku", SDKName: "ti_sku", Kind: KindString, MaxLen: 255},
	TiName:                 {Name: "ti_name", SDKName: "ti_name", Kind: KindString, MaxLen: 255},
	TiCategory:             {Name: "ti_category", SDKName: "ti_category", Kind: KindString, MaxLen: 255},
	TiPrice:                {Name: "ti_price", SDKName: "ti_price", Kind: KindDouble, MaxLen: 0},
	TiQuantity:             {Name: "ti_quantity", SDKName: "ti_quantity", Kind: KindInt, MaxLen: 0},
	PpXoffsetMin:           {Name: "pp_xoffset_min", SDKName: "pp_xoffset_min", Kind: KindInt, MaxLen: 0},
	PpXoffsetMax:           {Name: "pp_xoffset_max", SDKName: "pp_xoffset_max", Kind: KindInt, MaxLen: 0},
	PpYoffsetMin:           {Name: "pp_yoffset_min", SDKName: "pp_yoffset_min", Kind: KindInt, MaxLen: 0},
	PpYoffsetMax:           {Name: "pp_yoffset_max", SDKName: "pp_yoffset_max", Kind: KindInt, MaxLen: 0},
	Useragent:              {Name: "useragent", SDKName: "useragent", Kind: KindString, MaxLen: 1000},
	BrName:                 {Name: "br_name", SDKName: "br_name", Kind: KindString, MaxLen: 50},
	BrFamily:               {Name: "br_family", SDKName: "br_family", Kind: KindString, MaxLen: 50},
	BrVersion:              {Name: "br_version", SDKName: "br_version", Kind: KindString, MaxLen: 50},
	BrType:                 {Name: "br_type", SDKName: "br_type", Kind: KindString, MaxLen: 50},
	BrRenderengine:         {Name: "br_renderengine", SDKName: "br_renderengine", Kind: KindString, MaxLen: 50},
	BrLang:                 {Name: "br_lang", SDKName: "br_lang", Kind: KindString, MaxLen: 255},
	BrFeaturesPdf:          {Name: "br_features_pdf", SDKName: "br_features_pdf", Kind: KindBool, MaxLen: 0},
	BrFeaturesFlash:        {Name: "br_features_flash", SDKName: "br_features_flash", Kind: KindBool, MaxLen: 0},
	BrFeaturesJava:         {Name: "br_features_java", SDKName: "br_features_java", Kind: KindBool, MaxLen: 0},
	BrFeaturesDirector:     {Name: "br_features_director", SDKName: "br_features_director", Kind: KindBool, MaxLen: 0},
	BrFeaturesQuicktime:    {Name: "br_features_quicktime", SDKName: "br_features_quicktime", Kind: KindBool, MaxLen: 0},
	BrFeaturesRealplayer:   {Name: "br_features_realplayer", SDKName: "br_features_realplayer", Kind: KindBool, MaxLen: 0},
	BrFeaturesWindowsmedia: {Name: "br_features_windowsmedia", SDKName: "br_features_windowsmedia", Kind: KindBool, MaxLen: 0},
	BrFeaturesGears:        {Name: "br_features_gears", SDKName: "br_features_gears", Kind: KindBool, MaxLen: 0},
	BrFeaturesSilverlight:  {Name: "br_features_silverlight", SDKName: "br_features_silverlight", Kind: KindBool, MaxLen: 0},
	BrCookies:              {Name: "br_cookies", SDKName: "br_cookies", Kind: KindBool, MaxLen: 0},
	BrColordepth:           {Name: "br_colordepth", SDKName: "br_colordepth", Kind: KindString, MaxLen: 12},
	BrViewwidth:            {Name: "br_viewwidth", SDKName: "br_viewwidth", Kind: KindInt, MaxLen: 0},
	BrViewheight:           {Name: "br_viewheight", SDKName: "br_viewheight", Kind: KindInt, MaxLen: 0},
	OsName:                 {Name: "os_name", SDKName: "os_name", Kind: KindString, MaxLen: 50},
	OsFamily:               {Name: "os_family", SDKName: "os_family", Kind: KindString, MaxLen: 50},
	OsManufacturer:         {Name: "os_manufacturer", SDKName: "os_manufacturer", Kind: KindString, MaxLen: 50},
	OsTimezone:             {Name: "os_timezone", SDKName: "os_timezone", Kind: KindString, MaxLen: 255},
	DvceType:               {Name: "dvce_type", SDKName: "dvce_type", Kind: KindString, MaxLen: 50},
	DvceIsmobile:           {Name: "dvce_ismobile", SDKName: "dvce_ismobile", Kind: KindBool, MaxLen: 0},
	DvceScreenwidth:        {Name: "dvce_screenwidth", SDKName: "dvce_screenwidth", Kind: KindInt, MaxLen: 0},
	DvceScreenheight:       {Name: "dvce_screenheight", SDKName: "dvce_screenheight", Kind: KindInt, MaxLen: 0},
	DocCharset:             {Name: "doc_charset", SDKName: "doc_charset", Kind: KindString, MaxLen: 128},
	DocWidth:               {Name: "doc_width", SDKName: "doc_width", Kind: KindInt, MaxLen: 0},
	DocHeight:              {Name: "doc_height", SDKName: "doc_height", Kind: KindInt, MaxLen: 0},
	TrCurrency:             {Name: "tr_currency", SDKName: "tr_currency", Kind: KindString, MaxLen: 3},
	TrTotalBase:            {Name: "tr_total_base", SDKName: "tr_total_base", Kind: KindDouble, MaxLen: 0},
	TrTaxBase:              {Name: "tr_tax_base", SDKName: "tr_tax_base", Kind: KindDouble, MaxLen: 0},
	TrShippingBase:         {Name: "tr_shipping_base", SDKName: "tr_shipping_base", Kind: KindDouble, MaxLen: 0},
	TiCurrency:             {Name: "ti_currency", SDKName: "ti_currency", Kind: KindString, MaxLen: 3},
	TiPriceBase:            {Name: "ti_price_base", SDKName: "ti_price_base", Kind: KindDouble, MaxLen: 0},
	BaseCurrency:           {Name: "base_currency", SDKName: "base_currency", Kind: KindString, MaxLen: 3},
	GeoTimezone:            {Name: "geo_timezone", SDKName: "geo_timezone", Kind: KindString, MaxLen: 64},
	MktClickid:             {Name: "mkt_clickid", SDKName: "mkt_clickid", Kind: KindString, MaxLen: 1000},
	MktNetwork:             {Name: "mkt_network", SDKName: "mkt_network", Kind: KindString, MaxLen: 64},
	EtlTags:                {Name: "etl_tags", SDKName: "etl_tags", Kind: KindString, MaxLen: 500},
	DvceSentTstamp:         {Name: "dvce_sent_tstamp", SDKName: "dvce_sent_tstamp", Kind: KindTimestamp, MaxLen: 0},
	RefrDomainUserid:       {Name: "refr_domain_userid", SDKName: "refr_domain_userid", Kind: KindString, MaxLen: 128},
	RefrDvceTstamp:         {Name: "refr_dvce_tstamp", SDKName: "refr_device_tstamp", Kind: KindTimestamp, MaxLen: 0},
	DerivedContexts:        {Name: "derived_contexts", SDKName: "derived_contexts", Kind: KindContexts, MaxLen: 0},
	DomainSessionid:        {Name: "domain_sessionid", SDKName: "domain_sessionid", Kind: KindString, MaxLen: 128},
	DerivedTstamp:          {Name: "derived_tstamp", SDKName: "derived_tstamp", Kind: KindTimestamp, MaxLen: 0},
	EventVendor:            {Name: "event_vendor", SDKName: "event_vendor", Kind: KindString, MaxLen: 1000},
	EventName:              {Name: "event_name", SDKName: "event_name", Kind: KindString, MaxLen: 1000},
	EventFormat:            {Name: "event_format", SDKName: "event_format", Kind: KindString, MaxLen: 128},
	EventVersion:           {Name: "event_version", SDKName: "event_version", Kind: KindString, MaxLen: 128},
	EventFingerprint:       {Name: "event_fingerprint", SDKName: "event_fingerprint", Kind: KindString, MaxLen: 128},
	TrueTstamp:             {Name: "true_tstamp", SDKName: "true_tstamp", Kind: KindTimestamp, MaxLen: 0},
}
