package event

// canonicalEvents are the events whose serialisations are pinned by golden files.
func canonicalEvents() []struct {
	name string
	ev   *Event
} {
	base := func() *Event {
		e := &Event{}
		e.Set(AppID, "site")
		e.Set(Platform, "web")
		e.Set(EtlTstamp, "2026-04-02 10:15:30.123")
		e.Set(CollectorTstamp, "2026-04-02 10:15:29.870")
		e.Set(DvceCreatedTstamp, "2026-04-02 10:15:29.500")
		e.Set(DvceSentTstamp, "2026-04-02 10:15:29.510")
		e.Set(DerivedTstamp, "2026-04-02 10:15:29.860")
		e.Set(EventID, "5a305bf5-32fc-40d9-b0e8-66052f0f2c95")
		e.Set(NameTracker, "sp")
		e.Set(VTracker, "js-3.5.0")
		e.Set(VCollector, "plowbox-1.0.0")
		e.Set(VEtl, "plowbox-1.0.0")
		e.Set(UserIPAddress, "203.0.113.7")
		e.Set(DomainUserid, "85094061-f702-4b62-a46d-20f7226b4741")
		e.Set(DomainSessionidx, "3")
		e.Set(NetworkUserid, "ecdff4d0-9175-40ac-a8bb-325c49733607")
		e.Set(PageURL, "https://www.acme.com/shop?q=a%20b#top")
		e.Set(PageURLscheme, "https")
		e.Set(PageURLhost, "www.acme.com")
		e.Set(PageURLport, "443")
		e.Set(PageURLpath, "/shop")
		e.Set(PageURLquery, "q=a%20b")
		e.Set(PageURLfragment, "top")
		e.Set(Useragent, "Mozilla/5.0 (X11; Linux x86_64) Chrome/124.0")
		e.Set(BrCookies, "1")
		e.Set(BrFeaturesPdf, "0")
		e.Set(BrViewwidth, "1920")
		e.Set(BrViewheight, "1080")
		return e
	}
	pv := base()
	pv.Set(EventType, "page_view")
	pv.Set(PageTitle, "Shop\t\"best\" <deals> & more\n\u00e9\U0001F600")
	pv.Set(Contexts, `[{"schema":"iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0","data":{"id":"a0b5d8d9-6c3b-4b55-9b2b-7c1d3b1f4e22"}},{"schema":"iglu:org.w3/PerformanceTiming/jsonschema/1-0-0","data":{"navigationStart":1775124929000,"ratio":1.50e0}},{"schema":"iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0","data":{"id":"second"}}]`)
	pv.Set(DerivedContexts, `[{"schema":"iglu:com.snowplowanalytics.snowplow/ua_parser_context/jsonschema/1-0-0","data":{"useragentFamily":"Chrome","useragentMajor":"124","osFamily":"Linux"}},{"schema":"iglu:org.w3/PerformanceTiming/jsonschema/1-0-0","data":{"derived":true}}]`)
	pv.Set(EventVendor, "com.snowplowanalytics.snowplow")
	pv.Set(EventName, "page_view")
	pv.Set(EventFormat, "jsonschema")
	pv.Set(EventVersion, "1-0-0")

	se := base()
	se.Set(EventType, "struct")
	se.Set(SeCategory, "shop")
	se.Set(SeAction, "add-to-basket")
	se.Set(SeLabel, "sku-1")
	se.Set(SeValue, "12.50")
	se.Set(TxnID, "421")
	se.Set(EventVendor, "com.google.analytics")
	se.Set(EventName, "event")
	se.Set(EventFormat, "jsonschema")
	se.Set(EventVersion, "1-0-0")

	ue := base()
	ue.Set(EventType, "unstruct")
	ue.Set(UnstructEvent, `{"schema":"iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1","data":{"targetUrl":"https://x.y/?a=1&b=2","elementId":"buy","elementClasses":["a","b"]}}`)
	ue.Set(EventVendor, "com.snowplowanalytics.snowplow")
	ue.Set(EventName, "link_click")
	ue.Set(EventFormat, "jsonschema")
	ue.Set(EventVersion, "1-0-1")

	tr := base()
	tr.Set(EventType, "transaction")
	tr.Set(EtlTstamp, "2026-04-02 10:15:30.000")
	tr.Set(TrOrderid, "order-1")
	tr.Set(TrTotal, "1000")
	tr.Set(TrTax, "0.5")
	tr.Set(TrShipping, "0.0001")
	tr.Set(TrTotalBase, "12345678.9")
	tr.Set(TrCurrency, "EUR")
	tr.Set(GeoCountry, "GB")
	tr.Set(GeoCity, "London")
	tr.Set(GeoLatitude, "51.5142")
	tr.Set(GeoLongitude, "-0.0931")
	tr.Set(DvceIsmobile, "0")
	tr.Set(EventVendor, "com.snowplowanalytics.snowplow")
	tr.Set(EventName, "transaction")
	tr.Set(EventFormat, "jsonschema")
	tr.Set(EventVersion, "1-0-0")

	inc := base()
	inc.Set(EventType, "unstruct")
	inc.Set(Contexts, "[]")
	inc.Set(DerivedContexts, `[{"schema":"iglu:com.snowplowanalytics.snowplow/failure/jsonschema/1-0-0","data":{"failureType":"ValidationError","errors":[{"message":"$.targetUrl: is missing but it is required","source":"unstruct","path":"$","keyword":"required","targets":["targetUrl"]}],"schema":"iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1","data":{"elementId":"buy"},"timestamp":"2026-04-02T10:15:30.123Z","componentName":"plowbox","componentVersion":"1.0.0"}}]`)

	return []struct {
		name string
		ev   *Event
	}{
		{"page_view", pv},
		{"struct", se},
		{"unstruct", ue},
		{"transaction", tr},
		{"incomplete", inc},
	}
}
