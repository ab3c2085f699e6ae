import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, type BrowserContext, expect, type Page } from '@playwright/test';

export const SCREENSHOTS = path.resolve(import.meta.dirname, '..', 'test-results', 'screenshots');

/** The WCAG 2.2 AA rule set every page is checked against. */
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/**
 * Saves a full-page screenshot as test-results/screenshots/<name>.png, then runs axe on the page and
 * fails listing every WCAG A/AA violation (rule, impact, help and the offending elements).
 * The page must come from a browser context (Playwright's `page` fixture or `browser.newContext()`).
 */
export async function expectAccessible(page: Page, name: string) {
  await page.waitForLoadState('load');
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  const results = withoutJavaScript.has(page.context()) ? await analyzeWithoutJavaScript(page) : await analyze(page);
  const report = results.violations.map((v) => {
    const nodes = v.nodes.map((n) => `      ${n.target.join(' ')}${n.failureSummary ? `\n        ${n.failureSummary.replace(/\n/g, '\n        ')}` : ''}`);
    return `  ${v.id} [${v.impact ?? 'unknown'}]: ${v.help} (${v.helpUrl})\n${nodes.join('\n')}`;
  });
  expect(report, `axe found accessibility problems on "${name}" (${page.url()}):\n${report.join('\n')}`).toEqual([]);
}

const analyze = (page: Page) => new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();

const withoutJavaScript = new WeakSet<BrowserContext>();

/** A browser context with JavaScript switched off, as some schools' locked-down browsers have it. */
export async function newContextWithoutJavaScript(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ javaScriptEnabled: false });
  withoutJavaScript.add(context);
  return context;
}

/**
 * axe is itself JavaScript, so it cannot run in a page that has JavaScript switched off. Instead the page's
 * exact document is loaded at the same address in a second context (same cookies, same viewport, same
 * stylesheets) where every script the page asks for is blocked: the document stays exactly as a browser
 * without JavaScript shows it, and axe checks that.
 */
async function analyzeWithoutJavaScript(page: Page) {
  const url = page.url();
  const html = await page.content();
  const browser = page.context().browser();
  if (!browser) throw new Error('expectAccessible needs a page from a browser context');
  const context = await browser.newContext({ storageState: await page.context().storageState(), viewport: page.viewportSize() });
  try {
    const copy = await context.newPage();
    await copy.route('**/*', (route) => (route.request().resourceType() === 'script' ? route.abort() : route.fallback()));
    await copy.route(
      (u) => u.href === url,
      (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }),
    );
    await copy.goto(url);
    await expect(copy.locator('body'), 'no page script ran in the copy').not.toHaveClass(/js-enabled/);
    return await analyze(copy);
  } finally {
    await context.close();
  }
}

/** Types a calendar date (YYYY-MM-DD, or '' to clear it) into a GOV.UK date input: Day, Month and Year boxes. */
export async function fillDate(page: Page, legend: string, iso: string) {
  const [year = '', month = '', day = ''] = iso ? iso.split('-') : [];
  const group = page.getByRole('group', { name: legend, exact: true });
  await group.getByLabel('Day').fill(day && String(Number(day)));
  await group.getByLabel('Month').fill(month && String(Number(month)));
  await group.getByLabel('Year').fill(year);
}

/** Signs in as a demo persona with the button on the sign-in page (it issues a real sign-in link). */
export async function signInAsPersona(page: Page, button: string, shotPrefix: string) {
  await page.goto('/sign-in');
  await expectAccessible(page, `${shotPrefix}-sign-in`);
  await page.getByRole('button', { name: button }).click();
  await expect(page).toHaveURL(/\/sign-in\/link\?token=/);
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in to Countersign' })).toBeVisible();
  await expectAccessible(page, `${shotPrefix}-sign-in-link`);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  // A first sign-in lands on what the person must sign (an agreement); later ones on the home page.
  await expect(page).toHaveURL(/\/$|\/agreements(\/[0-9a-f-]+\/sign)?(\?welcome=1)?$/);
  if (new URL(page.url()).pathname !== '/') await page.goto('/');
}
