import { expect, test } from '@playwright/test';
import { expectAccessible, signInAsPersona } from './helpers.ts';

/** The other concern pages, as the people who use them see them with the demo data: each checked with axe. */
test('the DSL: concerns list, a safeguarding record, the logbook and its governors summary', async ({ page }) => {
  await signInAsPersona(page, 'Designated safeguarding lead: Priya Shah', 'concerns-dsl');
  await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Concerns', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Concerns' })).toBeVisible();
  await expectAccessible(page, 'concerns-pages-01-list');
  await page.getByLabel('Type').selectOption({ label: 'Inappropriate or harmful material found' });
  await page
    .getByRole('button', { name: /Show|Filter|Apply/ })
    .first()
    .click();
  await page.locator('table a[href^="/concerns/C-"]').first().click();
  await expect(page.getByRole('heading', { name: 'Chronology' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Who has looked at this' })).toBeVisible();
  await expectAccessible(page, 'concerns-pages-02-safeguarding-record');
  await page.getByRole('link', { name: 'Add a person' }).click();
  await expectAccessible(page, 'concerns-pages-03-link-person');
  await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Online-safety logbook' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('logbook');
  await expectAccessible(page, 'concerns-pages-04-logbook');
  await page.goto('/concerns/routing');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expectAccessible(page, 'concerns-pages-05-routing');
});

test('the DPO: non-compliance register, a record with its action plan, trends', async ({ page }) => {
  await signInAsPersona(page, 'Data protection officer: Tom Fletcher', 'concerns-nc');
  await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Non-compliance' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Non-compliance' })).toBeVisible();
  await expectAccessible(page, 'concerns-pages-06-non-compliance');
  await page.locator('table a[href^="/non-compliance/"]').first().click();
  await expect(page.getByText('Refresher on handling printed personal data', { exact: true })).toBeVisible();
  await expectAccessible(page, 'concerns-pages-07-non-compliance-record');
  await page.goto('/non-compliance/new');
  await page
    .getByRole('button', { name: /Record|Save/ })
    .first()
    .click();
  await expect(page.locator('.govuk-error-summary')).toBeVisible();
  await expectAccessible(page, 'concerns-pages-08-non-compliance-form-errors');
  await page.goto('/trends');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Trends');
  await expectAccessible(page, 'concerns-pages-09-trends');
});
