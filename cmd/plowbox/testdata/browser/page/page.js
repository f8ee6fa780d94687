// The test page's tracking: the real Snowplow browser tracker sending to the plowbox
// named by ?collector=… (another origin: CORS with credentials). run.mjs calls
// window.plowboxTest.* to send each group of events.
(function () {
  "use strict";
  var sp = window.snowplowBrowserTracking;
  var lc = window.snowplowLinkClickTracking;
  var params = new URLSearchParams(location.search);
  var collector = params.get("collector");
  sp.newTracker("sp", collector, {
    appId: params.get("app") || "browser-test",
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
    // A shop funnel for the tracking-plan test: two product views, an add to cart that
    // names its event specification, and a checkout.
    funnel: function () {
      ["42", "43"].forEach(function (id) {
        sp.setCustomUrl("https://shop.example/products/" + id);
        sp.trackPageView({ title: "Product " + id });
      });
      sp.trackSelfDescribingEvent({
        event: { schema: "iglu:com.snowplowanalytics.snowplow/add_to_cart/jsonschema/1-0-0", data: { sku: "43", quantity: 1, currency: "EUR" } },
        context: [{ schema: "iglu:com.snowplowanalytics.snowplow/event_specification/jsonschema/1-0-2",
          data: { id: "6f1a2b3c-1111-4000-8000-000000000002", name: "Product added to cart" } }]
      });
      sp.trackStructEvent({ category: "shop", action: "checkout", value: 43 });
    },
    // One event while the explorer's live tail watches.
    live: function (label) {
      sp.trackStructEvent({ category: "live", action: "arrive", label: label });
    }
  };
})();
