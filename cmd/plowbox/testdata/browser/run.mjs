// Drives Debian's chromium with playwright-core: a page on one origin tracks into plowbox
// on another with the real Snowplow browser tracker, then the explorer is searched, an
// event opened, the live tail watched and hostile event data checked to stay inert.
// Usage: node run.mjs <plowbox URL> <test page URL> <screenshot dir>
// Prints a JSON summary on success; exits 1 with the failed check on stderr otherwise.
import { chromium } from "playwright-core";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [plowbox, pageURL, shots] = process.argv.slice(2);
const laptop = { width: 1366, height: 850 };
const phone = { width: 390, height: 844 };
const checks = [];

function check(ok, what) {
  if (!ok) throw new Error("check failed: " + what);
  checks.push(what);
}

// waitGood polls /micro/all until plowbox holds at least n good events.
async function waitGood(n) {
  const deadline = Date.now() + 15000;
  let last;
  while (Date.now() < deadline) {
    last = await (await fetch(plowbox + "/micro/all")).json();
    if (last.good >= n) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`plowbox has ${JSON.stringify(last)}, want ${n} good events`);
}

const userDataDir = mkdtempSync(join(tmpdir(), "plowbox-chromium-"));
mkdirSync(shots, { recursive: true });
const ctx = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  viewport: laptop,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run"],
});
const dialogs = [];
const consoleErrors = [];
const watch = (p) => {
  p.on("dialog", (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  p.on("console", (m) => { if (m.type() === "error" && !/Failed to load resource/.test(m.text())) consoleErrors.push(m.text()); });
  p.on("response", (r) => { if (r.status() >= 400) consoleErrors.push(r.status() + " " + r.url()); });
  p.on("pageerror", (e) => consoleErrors.push(String(e)));
};
ctx.on("page", watch);
const saved = [];
// shot saves a screenshot: the whole page on a laptop, the first screen on a phone.
const shot = async (p, name) => {
  const file = join(shots, name + ".png");
  await p.screenshot({ path: file, fullPage: p.viewportSize().width > phone.width });
  saved.push(file);
};

try {
  // 1. The shop page tracks into plowbox: page view, self-describing event with an
  // entity, a real link click, then the hostile events.
  const shop = await ctx.newPage();
  await shop.goto(pageURL + "/?collector=" + encodeURIComponent(plowbox));
  await shop.evaluate(() => window.plowboxTest.basics());
  await shop.click("#docs");
  await waitGood(3);
  await shop.evaluate(() => window.plowboxTest.hostile());
  await waitGood(5);
  checks.push("tracker events arrived over CORS");

  // 2. The explorer: "/" focuses the query box, a search, the event's page.
  const ui = await ctx.newPage();
  await ui.goto(plowbox + "/micro/ui/");
  check((await ui.locator("table.rows tbody tr").count()) >= 5, "the events list shows the tracked events");
  await ui.keyboard.press("/");
  check(await ui.evaluate(() => document.activeElement && document.activeElement.id === "q"), "/ focuses the query box");
  await ui.keyboard.type("event_name:add_to_cart");
  await Promise.all([ui.waitForURL(/q=event_name/), ui.keyboard.press("Enter")]);
  check((await ui.locator("table.rows tbody tr").count()) === 1, "the search finds the one add_to_cart event");
  check((await ui.locator(".facets").innerText()).includes("browser-test"), "facets list the app id");
  await shot(ui, "events-laptop");
  await ui.setViewportSize(phone);
  await shot(ui, "events-phone");
  await ui.setViewportSize(laptop);

  await Promise.all([ui.waitForURL(/\/records\/\d+$/), ui.locator("table.rows tbody tr a").first().click()]);
  const params = await ui.locator("table.params").innerText();
  check(/\be\s+ue\b/.test(params), "decoded tracker parameters show e=ue");
  check(/\baid\s+browser-test\b/.test(params), "decoded tracker parameters show aid=browser-test");
  const fields = await ui.locator("table.fields").innerText();
  check(/event_name\s+add_to_cart/.test(fields), "the enriched event shows event_name add_to_cart");
  check(/page_urlhost\s+127\.0\.0\.1/.test(fields), "the enriched event shows the parsed page URL: " + fields.slice(0, 2000));
  const ents = await ui.locator(".entities").innerText();
  check(ents.includes("iglu:com.snowplowanalytics.snowplow/add_to_cart/jsonschema/1-0-0") && ents.includes("ASO01043"),
    "the self-describing event is shown with its data");
  check(ents.includes("iglu:com.google.analytics/cookies/jsonschema/1-0-0"), "the entity is shown with its schema");
  check((await ui.locator("textarea#copy-curl").inputValue()).startsWith("curl "), "copy as curl is offered");
  await shot(ui, "record-laptop");
  await ui.setViewportSize(phone);
  await shot(ui, "record-phone");
  await ui.setViewportSize(laptop);

  // 3. The live tail shows an event as it arrives, and holds it while paused.
  await ui.goto(plowbox + "/micro/ui/live?q=" + encodeURIComponent("se_category:live"));
  await ui.waitForFunction(() => document.getElementById("live-state").textContent.startsWith("live"));
  await shop.evaluate(() => window.plowboxTest.live("first"));
  await ui.locator("#live-rows tr", { hasText: "arrive" }).first().waitFor({ timeout: 10000 });
  check(true, "the live tail shows a new event");
  await ui.click("#live-toggle");
  await shop.evaluate(() => window.plowboxTest.live("second"));
  await ui.waitForFunction(() => /paused, 1 new/.test(document.getElementById("live-state").textContent), null, { timeout: 10000 });
  check((await ui.locator("#live-rows tr").count()) === 1, "a paused tail holds new events back");
  await ui.click("#live-toggle");
  check((await ui.locator("#live-rows tr").count()) === 2, "resuming shows the held events");
  await shot(ui, "live-laptop");

  // 4. Hostile event data renders as text: no dialog, no injected element, no script run.
  const cols = ["time", "event_name", "page_title", "se_action", "se_label"].map((c) => "col=" + c).join("&");
  await ui.goto(plowbox + "/micro/ui/events?q=" + encodeURIComponent("app_id:browser-test") + "&" + cols);
  const inert = () => ui.evaluate(() => ({ xss: window.__xss, imgs: document.querySelectorAll("img").length, scripts: document.scripts.length }));
  let st = await inert();
  check(st.xss === undefined && st.imgs === 0 && st.scripts === 1, "hostile values stay inert in the list: " + JSON.stringify(st));
  check((await ui.locator("td", { hasText: "<script>window.__xss=1</script>" }).count()) === 1, "a <script> title shows as text");
  await shot(ui, "hostile-list-laptop");
  await Promise.all([ui.waitForURL(/\/records\/\d+$/), ui.locator("tr", { hasText: "onerror" }).locator("a").first().click()]);
  st = await inert();
  check(st.xss === undefined && st.imgs === 0 && st.scripts === 1, "hostile values stay inert on the record page: " + JSON.stringify(st));
  check((await ui.locator("table.fields").innerText()).includes('"><img src=x onerror="window.__xss=2">'), "the img payload shows as text");
  check(dialogs.length === 0, "no dialog opened: " + JSON.stringify(dialogs));

  // 5. A bad event: the bad-rows page lists it, its page points at the offending field.
  const bad = await fetch(plowbox + "/i?e=se&p=web&aid=browser-test&se_ca=shop&se_ac=buy&eid=not-a-uuid");
  check(bad.status === 200, "the collector takes the bad event");
  await ui.setViewportSize(laptop);
  await ui.goto(plowbox + "/micro/ui/bad");
  check((await ui.locator("table.rows tbody tr", { hasText: "schema_violations" }).count()) === 1, "the bad-rows page lists the failure");
  await shot(ui, "bad-laptop");
  await Promise.all([ui.waitForURL(/\/records\/\d+$/), ui.locator("table.rows tbody tr a").first().click()]);
  check((await ui.locator(".failure .errors").innerText()).includes("eid"), "the failure names the field");
  check((await ui.locator("table.params tr.hi").innerText()).includes("not-a-uuid"), "the offending parameter is highlighted");
  await shot(ui, "bad-record-laptop");
  await ui.setViewportSize(phone);
  await shot(ui, "bad-record-phone");
  await ui.setViewportSize(laptop);

  // 6. Status page, with a test-event button.
  await ui.goto(plowbox + "/micro/ui/status");
  await ui.click('button[data-example="page_view"]');
  await ui.locator("#example-result", { hasText: "Sent" }).waitFor({ timeout: 10000 });
  check(true, "a test-event button sends an event");
  await shot(ui, "status-laptop");
  await ui.setViewportSize(phone);
  await shot(ui, "status-phone");

  check(consoleErrors.length === 0, "no console errors or failed requests (CSP violations included): " + JSON.stringify(consoleErrors));
  console.log(JSON.stringify({ checks, screenshots: saved }));
} finally {
  await ctx.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
