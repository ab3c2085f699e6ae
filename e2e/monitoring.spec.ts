import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { expectAccessible, signInAsPersona } from './helpers.ts';

const IT = 'IT manager: Kwame Mensah';
const DSL = 'Designated safeguarding lead: Priya Shah';

/** A small Squid access.log (native format) from this morning: two pupils, one watched domain, one self-harm search, one broken line. */
function squidLog(): string {
  const base = Math.floor(Date.now() / 1000) - 3 * 3600;
  const line = (offset: number, rest: string) => `${(base + offset).toFixed(3)}    ${rest}`;
  const lines = [
    line(0, '140 10.20.4.61 TCP_MISS/200 5120 GET https://www.bbc.co.uk/bitesize/subjects/z826n39 y6.e2e.fin HIER_DIRECT/151.101.0.81 text/html'),
    line(60, '12 10.20.4.61 TCP_DENIED/403 3890 CONNECT casino.example:443 y6.e2e.fin HIER_NONE/- text/html'),
    line(120, '95 10.20.4.62 TCP_MISS/200 20480 GET https://search.example/search?q=how+to+hurt+myself y5.e2e.gus HIER_DIRECT/93.184.216.34 text/html'),
    'not a squid line at all',
    line(180, '88 10.20.4.62 TCP_MISS/200 1204 GET https://classroom.google.com/u/0/h y5.e2e.gus HIER_DIRECT/142.250.0.1 text/html'),
  ];
  return `${lines.join('\n')}\n`;
}

test('IT uploads a Squid log; the DSL sees an alert for a watched domain, marks it a false positive, and escalates another to a concern', async ({
  browser,
}) => {
  test.setTimeout(300_000);
  const dir = mkdtempSync(path.join(tmpdir(), 'countersign-e2e-'));
  const file = path.join(dir, 'access.log');
  writeFileSync(file, squidLog());

  const itContext = await browser.newContext();
  const it = await itContext.newPage();
  await signInAsPersona(it, IT, 'monitoring-it');

  await test.step('IT uploads the log to the Oakfield web filter and watches it being read', async () => {
    await it.getByRole('link', { name: 'Monitoring sources', exact: true }).click();
    await expectAccessible(it, 'monitoring-01-sources');
    await it.getByRole('link', { name: 'Oakfield web filter', exact: true }).click();
    await expectAccessible(it, 'monitoring-02-source');
    await it.getByRole('link', { name: 'Upload a log file' }).click();
    await it.getByRole('button', { name: 'Upload and read the file' }).click();
    await expect(it.locator('.govuk-error-summary')).toBeVisible();
    await expectAccessible(it, 'monitoring-03-upload-errors');
    await it.getByLabel('Log file').setInputFiles(file);
    await it.getByLabel('Squid access.log (native format)').check();
    await it.getByRole('button', { name: 'Upload and read the file' }).click();
    await expect(it.getByRole('heading', { level: 1, name: 'access.log' })).toBeVisible();
    await expect(it.locator('.govuk-tag', { hasText: 'Finished' })).toBeVisible({ timeout: 30_000 });
    await expect(it.locator('.govuk-summary-list')).toContainText('Lines read');
    // The broken line is named by its number; the rest were read.
    await expect(it.getByRole('region', { name: 'Lines not taken' })).toContainText('4');
    await expect(it.locator('.govuk-summary-list')).toContainText('2 raised');
    await expectAccessible(it, 'monitoring-04-upload-finished');
  });
  await itContext.close();

  const dslContext = await browser.newContext();
  const dsl = await dslContext.newPage();
  await signInAsPersona(dsl, DSL, 'monitoring-dsl');

  await test.step('the DSL sees the alert for the watched domain on the dashboard and in the list', async () => {
    await dsl.getByRole('link', { name: 'Monitoring alerts', exact: true }).click();
    await expect(dsl.getByRole('heading', { level: 1, name: 'Monitoring' })).toBeVisible();
    await expectAccessible(dsl, 'monitoring-05-dashboard');
    await dsl.goto('/monitoring/alerts?subject=y6.e2e.fin');
    await expect(dsl.getByRole('region', { name: 'Monitoring alerts' })).toContainText('Gambling');
    await expectAccessible(dsl, 'monitoring-06-list');
    await dsl
      .getByRole('region', { name: 'Monitoring alerts' })
      .getByRole('link', { name: /A-\d{4}-\d{4}/ })
      .first()
      .click();
    await expect(dsl.getByRole('heading', { level: 1 })).toHaveText(/A-\d{4}-\d{4}/);
    await expect(dsl.getByRole('cell', { name: 'domain casino.example' })).toBeVisible();
    await expect(dsl.getByText('Gambling and betting sites').first()).toBeVisible();
    await expectAccessible(dsl, 'monitoring-07-alert');
  });

  await test.step('a false positive needs a note; then it is recorded and the alert closed', async () => {
    await dsl.getByLabel('False positive: nothing of concern').check();
    await dsl.getByRole('button', { name: 'Record the outcome' }).click();
    await expect(dsl.locator('.govuk-error-summary')).toContainText('Say why it is a false positive');
    await expectAccessible(dsl, 'monitoring-08-outcome-error');
    await dsl.getByLabel('False positive: nothing of concern').check();
    await dsl.getByLabel('Note', { exact: true }).fill('Year 6 were looking at probability with a games site; the filter blocked it.');
    await dsl.getByRole('button', { name: 'Record the outcome' }).click();
    await expect(dsl.locator('.govuk-notification-banner--success')).toBeVisible();
    await dsl.getByRole('button', { name: 'Close the alert' }).click();
    await expect(dsl.locator('.govuk-tag', { hasText: 'Closed' }).first()).toBeVisible();
    await expect(dsl.getByText(/False positive/).first()).toBeVisible();
    await expectAccessible(dsl, 'monitoring-09-closed');
  });

  await test.step('the self-harm search is escalated to a concern, linked both ways', async () => {
    await dsl.goto('/monitoring/alerts?subject=y5.e2e.gus');
    await dsl
      .getByRole('region', { name: 'Monitoring alerts' })
      .getByRole('link', { name: /A-\d{4}-\d{4}/ })
      .first()
      .click();
    await expect(dsl.locator('.govuk-tag', { hasText: 'High' }).first()).toBeVisible();
    await dsl.getByRole('link', { name: 'Escalate to a concern' }).click();
    await expect(dsl.getByRole('heading', { level: 1, name: /Escalate to a concern/ })).toBeVisible();
    await expect(dsl.getByLabel('What happened')).toHaveValue(/y5\.e2e\.gus/);
    await expectAccessible(dsl, 'monitoring-10-escalate');
    await dsl.getByLabel('Inappropriate or harmful material found').check();
    await dsl.getByRole('button', { name: 'Create the concern' }).click();
    const link = dsl.locator('[data-concern] a');
    await expect(link).toHaveText(/C-\d{4}-\d{4}/);
    await expectAccessible(dsl, 'monitoring-11-escalated');
    await link.click();
    await expect(dsl.getByRole('heading', { level: 1 })).toContainText(/C-\d{4}-\d{4}/);
    await expect(dsl.getByText(/Raised from monitoring alert A-\d{4}-\d{4}/).first()).toBeVisible();
    await expectAccessible(dsl, 'monitoring-12-concern');
  });

  await test.step('the noisy rules and the rule page count the false positive', async () => {
    await dsl.goto('/monitoring/rules');
    await expectAccessible(dsl, 'monitoring-13-rules');
    await dsl.getByRole('link', { name: 'Gambling and betting sites' }).click();
    await expect(dsl.getByRole('heading', { level: 1 })).toContainText('Gambling and betting sites');
    await expectAccessible(dsl, 'monitoring-14-rule');
  });
  await dslContext.close();
});
