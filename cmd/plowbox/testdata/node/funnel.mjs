// Sends a shop funnel with the real Snowplow Node.js tracker to a collector URL (a run
// prefix included, e.g. http://127.0.0.1:9090/run/ci-1): two product views, an add to
// cart that names its event specification, and a checkout, by GET and a batched POST.
// Prints the event ids as JSON. Usage: node funnel.mjs COLLECTOR_URL
import { newTracker, buildPageView, buildSelfDescribingEvent, buildStructEvent } from '@snowplow/node-tracker';

const [endpoint] = process.argv.slice(2);
const failures = [];
const emitter = (eventMethod, bufferSize) => ({
  endpoint, eventMethod, bufferSize, retryFailedRequests: false,
  onRequestFailure: (f) => failures.push(f),
});
const webPage = {
  schema: 'iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0',
  data: { id: 'a0b5d8d9-6c3b-4b55-9b2b-7c1d3b1f4e22' },
};
const spec = {
  schema: 'iglu:com.snowplowanalytics.snowplow/event_specification/jsonschema/1-0-2',
  data: { id: '6f1a2b3c-1111-4000-8000-000000000002', name: 'Product added to cart' },
};

const get = newTracker({ namespace: 'get', appId: 'shop', encodeBase64: true }, emitter('get', 1));
const post = newTracker({ namespace: 'post', appId: 'shop', encodeBase64: false }, emitter('post', 3));
const ids = [];
const track = (tracker, builder, context) => ids.push(tracker.track(builder, context).eid);

track(get, buildPageView({ pageUrl: 'https://shop.example/products/42', pageTitle: 'Product 42' }), [webPage]);
track(post, buildPageView({ pageUrl: 'https://shop.example/products/43', pageTitle: 'Product 43' }), [webPage]);
track(post, buildSelfDescribingEvent({
  event: { schema: 'iglu:com.snowplowanalytics.snowplow/add_to_cart/jsonschema/1-0-0', data: { sku: '43', quantity: 1, currency: 'EUR' } },
}), [webPage, spec]);
track(post, buildStructEvent({ category: 'shop', action: 'checkout', value: 43 }), [webPage]);

await get.flush();
await post.flush();
if (failures.length > 0) {
  console.error(JSON.stringify(failures));
  process.exit(1);
}
console.log(JSON.stringify(ids));
