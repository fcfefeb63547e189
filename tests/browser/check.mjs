// The operator's page in headless Chromium, as tests/operator_page.rs runs it:
//
//   node check.mjs BASE_URL TOKEN SCREENSHOT_DIR
//
// Signs in with the token through the page's own form, then, for the index and the first
// section's preview page, in light and dark, at 1280 px and 390 px wide: takes a screenshot,
// measures horizontal overflow and runs axe-core's WCAG 2 A/AA rules. Last, presses one "Scrape now" button (a real form post, with the
// browser's own Origin header and cookie) and records where it lands. Prints one JSON
// report on stdout; the Rust test judges it. Only 127.0.0.1 is ever contacted.

import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [base, token, shots] = process.argv.slice(2);
if (!base || !token || !shots) {
  console.error('usage: node check.mjs BASE_URL TOKEN SCREENSHOT_DIR');
  process.exit(2);
}
mkdirSync(shots, { recursive: true });
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  // Headless, with a fresh temporary profile (Playwright makes one per launch).
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});
const report = { views: [], signIn: null, scrapeNow: null };
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(base, { waitUntil: 'load' });
  // Signed out: the sign-in form, inside a <details>.
  report.signedOutButtons = await page.locator('form.scrape').count();
  await page.locator('summary', { hasText: 'Operator sign-in' }).click();
  await page.getByLabel('Admin token').fill(token);
  await Promise.all([page.waitForURL(base + '**'), page.getByRole('button', { name: 'Sign in' }).click()]);
  report.signIn = {
    url: page.url(),
    buttons: await page.locator('form.scrape').count(),
    signedIn: (await page.content()).includes('Signed in as the operator'),
  };
  // The first section's preview page (a feed as a reader would show it) is judged alike.
  const preview = await page.locator('a', { hasText: 'Preview' }).first().getAttribute('href');
  report.preview = preview;
  for (const [pageName, url] of [['index', base], ['preview', preview]]) {
  for (const colorScheme of ['light', 'dark']) {
    for (const width of [1280, 390]) {
      await page.emulateMedia({ colorScheme });
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      await page.goto(url, { waitUntil: 'load' });
      const name = `${pageName}-${width}-${colorScheme}.png`;
      await page.screenshot({ path: join(shots, name), fullPage: true });
      const overflow = await page.evaluate(() => ({
        scrollWidth: document.scrollingElement.scrollWidth,
        innerWidth: window.innerWidth,
      }));
      await page.addScriptTag({ content: axeSource });
      const axe = await page.evaluate(async () => {
        const result = await window.axe.run(document, {
          runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
          resultTypes: ['violations'],
        });
        return result.violations.map((v) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
        }));
      });
      report.views.push({ page: pageName, colorScheme, width, screenshot: name, ...overflow, violations: axe });
    }
  }
  }
  // "Scrape now" as a person would press it: the first section's button.
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto(base, { waitUntil: 'load' });
  const button = page.locator('form.scrape button').first();
  const label = await button.getAttribute('aria-label');
  await Promise.all([page.waitForURL(/#feed-/), button.click()]);
  report.scrapeNow = { label, url: page.url() };
  await context.close();
} finally {
  await browser.close();
}
console.log(JSON.stringify(report, null, 2));
