import { expect, test } from '@playwright/test';
import { expectAccessible, signInAsPersona } from './helpers.ts';

/** The other register pages as IT and the DPO see them with the demo data, each checked with axe. */
test('IT: the asset register, a device, adding one with a mistake, the IT dashboard, requests', async ({ page }) => {
  await signInAsPersona(page, 'IT manager: Kwame Mensah', 'registers-pages-it');
  await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Assets and loans' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Assets');
  await expectAccessible(page, 'registers-pages-01-assets');
  await page.getByRole('link', { name: 'OPS-LT-0200' }).first().click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('OPS-LT-0200');
  await expectAccessible(page, 'registers-pages-02-asset');
  await page.goto('/assets/new');
  await page.getByLabel('Asset tag').fill('OPS-LT-0200');
  await page
    .getByRole('button', { name: /Add|Save/ })
    .first()
    .click();
  await expect(page.locator('.govuk-error-summary')).toContainText('OPS-LT-0200');
  await expectAccessible(page, 'registers-pages-03-asset-error');
  await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'IT dashboard' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'IT dashboard' })).toBeVisible();
  await expectAccessible(page, 'registers-pages-04-it-dashboard');
  await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Requests', exact: true }).click();
  await expectAccessible(page, 'registers-pages-05-requests');
  await page.locator('a[href^="/requests/R-"]').first().click();
  await expectAccessible(page, 'registers-pages-06-request');
});

test('the DPO: the cloud services register and its public page; a teacher asks for permission', async ({ page, browser }) => {
  await signInAsPersona(page, 'Data protection officer: Tom Fletcher', 'registers-pages-dpo');
  await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Cloud services' }).click();
  await expect(page.getByText('Quizlet').first()).toBeVisible();
  await expectAccessible(page, 'registers-pages-07-cloud-services');
  const visitor = await browser.newContext();
  const publicPage = await visitor.newPage();
  await publicPage.goto('/c/oakfield/cloud-services');
  await expect(publicPage.getByText('Tapestry').first()).toBeVisible();
  await expectAccessible(publicPage, 'registers-pages-08-public-cloud-services');
  await visitor.close();

  const staff = await browser.newContext();
  const teacher = await staff.newPage();
  await signInAsPersona(teacher, 'Teacher: Ellie Ward', 'registers-pages-teacher');
  await teacher.goto('/requests/new');
  await expectAccessible(teacher, 'registers-pages-09-ask');
  await teacher.goto('/requests/new/software');
  await teacher
    .getByRole('button')
    .filter({ hasText: /Send|Ask|Submit/ })
    .first()
    .click();
  await expect(teacher.locator('.govuk-error-summary')).toBeVisible();
  await expectAccessible(teacher, 'registers-pages-10-software-errors');
  await teacher.goto('/requests/mine');
  await expectAccessible(teacher, 'registers-pages-11-my-requests');
  await staff.close();
});
