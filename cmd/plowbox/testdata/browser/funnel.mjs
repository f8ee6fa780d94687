// Drives Debian's chromium with playwright-core: the test page, on its own origin, sends
// a shop funnel with the real Snowplow browser tracker to plowbox under a run prefix,
// then waits on plowbox's long-poll until the run holds the four events.
// Usage: node funnel.mjs <plowbox URL> <test page URL> <run id>
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [plowbox, pageURL, run] = process.argv.slice(2);
const userDataDir = mkdtempSync(join(tmpdir(), "plowbox-chromium-"));
const ctx = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run"],
});
try {
  const page = await ctx.newPage();
  const collector = `${plowbox}/run/${run}`;
  await page.goto(`${pageURL}/?app=shop&collector=${encodeURIComponent(collector)}`);
  await page.waitForFunction(() => window.plowboxTest !== undefined);
  await page.evaluate(() => window.plowboxTest.funnel());
  const q = new URLSearchParams({ q: `run:"${run}"`, n: "4", timeout: "15s" });
  const res = await fetch(`${plowbox}/plowbox/api/wait?${q}`);
  const body = await res.json();
  if (res.status !== 200) throw new Error(`plowbox has ${body.matched} records of run ${run}, want 4`);
  console.log(JSON.stringify({ matched: body.matched }));
} finally {
  await ctx.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
