package enrich

import (
	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/enrich/event"
)

// eventTypes maps the e parameter to the event field (tracker-protocol.md §3).
var eventTypes = map[string]string{
	"pv": "page_view", "pp": "page_ping", "se": "struct", "ev": "struct", "ue": "unstruct",
	"tr": "transaction", "ti": "transaction_item", "ad": "ad_impression",
}

// platforms are the allowed values of the p parameter.
var platforms = map[string]string{
	"web": "web", "iot": "iot", "app": "app", "mob": "mob", "pc": "pc", "cnsl": "cnsl",
	"tv": "tv", "srv": "srv", "headset": "headset",
}

// paramMapping is one row of the parameter table: a tracker parameter and its conversion.
type paramMapping struct {
	name    string
	convert converter
}

// paramTable is the parameter → field table of tracker-protocol.md §3, in application
// order: legacy aliases come before the parameters that supersede them, so the modern
// parameter wins when both are sent. tnuid is applied separately, after everything else;
// the JSON parameters (ue_pr, ue_px, co, cx) are handled by the self-describing data step.
var paramTable = []paramMapping{
	{"e", enumTo(event.EventType, eventTypes, "event type")},
	{"eid", uuidTo(event.EventID)},
	{"aid", tsvTo(event.AppID)},
	{"p", enumTo(event.Platform, platforms, "platform")},
	{"tv", tsvTo(event.VTracker)},
	{"tna", tsvTo(event.NameTracker)},
	{"cv", tsvTo(event.VCollector)},
	{"dtm", tsTo(event.DvceCreatedTstamp)},
	{"stm", tsTo(event.DvceSentTstamp)},
	{"ttm", tsTo(event.TrueTstamp)},
	{"tz", tsvTo(event.OsTimezone)},
	{"tid", intTo(event.TxnID)},
	{"uid", tsvTo(event.UserID)},
	{"duid", tsvTo(event.DomainUserid)},
	{"nuid", tsvTo(event.NetworkUserid)},
	{"sid", uuidTo(event.DomainSessionid)},
	{"vid", intTo(event.DomainSessionidx)},
	{"ip", ipTo},
	{"ua", tsvTo(event.Useragent)},
	{"fp", tsvTo(event.UserFingerprint)},
	{"url", tsvTo(event.PageURL)},
	{"page", tsvTo(event.PageTitle)},
	{"refr", tsvTo(event.PageReferrer)},
	{"res", dimTo(event.DvceScreenwidth, event.DvceScreenheight)},
	{"vp", dimTo(event.BrViewwidth, event.BrViewheight)},
	{"ds", dimTo(event.DocWidth, event.DocHeight)},
	{"cs", tsvTo(event.DocCharset)},
	{"lang", tsvTo(event.BrLang)},
	{"cd", tsvTo(event.BrColordepth)},
	{"cookie", boolTo(event.BrCookies)},
	{"f_pdf", boolTo(event.BrFeaturesPdf)},
	{"f_fla", boolTo(event.BrFeaturesFlash)},
	{"f_java", boolTo(event.BrFeaturesJava)},
	{"f_dir", boolTo(event.BrFeaturesDirector)},
	{"f_qt", boolTo(event.BrFeaturesQuicktime)},
	{"f_realp", boolTo(event.BrFeaturesRealplayer)},
	{"f_wma", boolTo(event.BrFeaturesWindowsmedia)},
	{"f_gears", boolTo(event.BrFeaturesGears)},
	{"f_ag", boolTo(event.BrFeaturesSilverlight)},
	{"ev_ca", tsvTo(event.SeCategory)},
	{"ev_ac", tsvTo(event.SeAction)},
	{"ev_la", tsvTo(event.SeLabel)},
	{"ev_pr", tsvTo(event.SeProperty)},
	{"ev_va", decTo(event.SeValue)},
	{"se_ca", tsvTo(event.SeCategory)},
	{"se_ac", tsvTo(event.SeAction)},
	{"se_la", tsvTo(event.SeLabel)},
	{"se_pr", tsvTo(event.SeProperty)},
	{"se_va", decTo(event.SeValue)},
	{"tr_id", tsvTo(event.TrOrderid)},
	{"tr_af", tsvTo(event.TrAffiliation)},
	{"tr_tt", decTo(event.TrTotal)},
	{"tr_tx", decTo(event.TrTax)},
	{"tr_sh", decTo(event.TrShipping)},
	{"tr_ci", tsvTo(event.TrCity)},
	{"tr_st", tsvTo(event.TrState)},
	{"tr_co", tsvTo(event.TrCountry)},
	{"tr_cu", tsvTo(event.TrCurrency)},
	{"ti_id", tsvTo(event.TiOrderid)},
	{"ti_sk", tsvTo(event.TiSku)},
	{"ti_na", tsvTo(event.TiName)},
	{"ti_nm", tsvTo(event.TiName)},
	{"ti_ca", tsvTo(event.TiCategory)},
	{"ti_pr", decTo(event.TiPrice)},
	{"ti_qu", intTo(event.TiQuantity)},
	{"ti_cu", tsvTo(event.TiCurrency)},
	{"pp_mix", intTo(event.PpXoffsetMin)},
	{"pp_max", intTo(event.PpXoffsetMax)},
	{"pp_miy", intTo(event.PpYoffsetMin)},
	{"pp_may", intTo(event.PpYoffsetMax)},
	{"tnuid", tsvTo(event.NetworkUserid)}, // last: overrides nuid
}

// applyParams maps the raw parameters onto e and returns one atomic_field_parse_error
// report per parameter that failed to convert. A parameter without a value is ignored.
func applyParams(e *event.Event, ps event.Params) []badrows.DataReport {
	var reports []badrows.DataReport
	for _, m := range paramTable {
		v, ok := ps.Get(m.name)
		if !ok {
			continue
		}
		if err := m.convert(e, v); err != nil {
			reports = append(reports, badrows.DataReport{
				Message: err.Error(), Path: m.name, Keyword: "atomic_field_parse_error", Targets: []string{},
			})
		}
	}
	return reports
}
