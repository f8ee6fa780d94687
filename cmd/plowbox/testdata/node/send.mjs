// Sends a known set of events to plowbox with the real Snowplow Node.js tracker, then
// prints their event ids as JSON: {"get":[…],"post":[…]}. Usage: node send.mjs HOST PORT
import {
  newTracker, buildPageView, buildStructEvent, buildSelfDescribingEvent,
} from '@snowplow/node-tracker';

const [host, port] = process.argv.slice(2);
const failures = [];
const emitter = (eventMethod, bufferSize) => ({
  endpoint: host, port: Number(port), protocol: 'http', eventMethod, bufferSize,
  retryFailedRequests: false,
  onRequestFailure: (f) => failures.push(f),
});

const webPage = {
  schema: 'iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0',
  data: { id: 'a0b5d8d9-6c3b-4b55-9b2b-7c1d3b1f4e22' },
};

// One event per GET request.
const getTracker = newTracker({ namespace: 'get', appId: 'node-get', encodeBase64: true }, emitter('get', 1));
// Five events per POST: one batched tp2 request.
const postTracker = newTracker({ namespace: 'post', appId: 'node-post', encodeBase64: false }, emitter('post', 5));

const ids = { get: [], post: [] };
const track = (tracker, list, builder, context) => {
  const payload = tracker.track(builder, context);
  list.push(payload.eid);
};

track(getTracker, ids.get, buildPageView({ pageUrl: 'https://shop.example/home?utm_source=news', pageTitle: 'Home', referrer: 'https://www.google.com/search?q=plowbox' }));
track(getTracker, ids.get, buildStructEvent({ category: 'shop', action: 'add-to-basket', label: 'sku-1', property: 'red', value: 12.5 }), [webPage]);
track(getTracker, ids.get, buildSelfDescribingEvent({
  event: { schema: 'iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1', data: { targetUrl: 'https://shop.example/basket', elementId: 'basket' } },
}), [webPage]);

for (let i = 0; i < 3; i++) {
  track(postTracker, ids.post, buildPageView({ pageUrl: `https://shop.example/p/${i}`, pageTitle: `Product ${i}` }), [webPage]);
}
track(postTracker, ids.post, buildStructEvent({ category: 'shop', action: 'checkout', value: 99 }));
track(postTracker, ids.post, buildSelfDescribingEvent({
  event: { schema: 'iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1', data: { targetUrl: 'https://shop.example/thanks' } },
}), [webPage]);

await getTracker.flush();
await postTracker.flush();
if (failures.length > 0) {
  console.error(JSON.stringify(failures));
  process.exit(1);
}
console.log(JSON.stringify(ids));
