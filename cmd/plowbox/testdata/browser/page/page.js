// The test page's tracking: the real Snowplow browser tracker sending to the plowbox
// named by ?collector=… (another origin: CORS with credentials). run.mjs calls
// window.plowboxTest.* to send each group of events.
(function () {
  "use strict";
  var sp = window.snowplowBrowserTracking;
  var lc = window.snowplowLinkClickTracking;
  var collector = new URLSearchParams(location.search).get("collector");
  sp.newTracker("sp", collector, {
    appId: "browser-test",
    platform: "web",
    eventMethod: "post",
    bufferSize: 1,
    credentials: "include",
    contexts: { webPage: true },
    plugins: [lc.LinkClickTrackingPlugin()]
  });
  lc.enableLinkClickTracking();
  window.plowboxTest = {
    // A page view and a self-describing event with an entity.
    basics: function () {
      sp.trackPageView({ title: "Test shop" });
      sp.trackSelfDescribingEvent({
        event: {
          schema: "iglu:com.snowplowanalytics.snowplow/add_to_cart/jsonschema/1-0-0",
          data: { sku: "ASO01043", name: "Blue t-shirt", category: "clothing", unitPrice: 2000, quantity: 2, currency: "JPY" }
        },
        context: [{ schema: "iglu:com.google.analytics/cookies/jsonschema/1-0-0", data: { _ga: "GA1.2.1234.5678" } }]
      });
    },
    // Events whose fields hold markup: the explorer must show them as text.
    hostile: function () {
      sp.trackPageView({ title: "<script>window.__xss=1</script>" });
      sp.trackStructEvent({ category: "xss", action: "\"><img src=x onerror=\"window.__xss=2\">", label: "<script>window.__xss=3</script>" });
    },
    // One event while the explorer's live tail watches.
    live: function (label) {
      sp.trackStructEvent({ category: "live", action: "arrive", label: label });
    }
  };
})();
