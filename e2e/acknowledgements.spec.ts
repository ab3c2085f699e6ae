import { readFileSync } from 'node:fs';
import { expect, type Page, test } from '@playwright/test';
import { expectAccessible, fillDate, newContextWithoutJavaScript, signInAsPersona } from './helpers.ts';

const ELLIE = 'ellie.ward@oakfield.example';
const AUP = 'Staff ICT Acceptable Use Agreement';
const LAPTOP = 'Staff Laptop and Remote Working Agreement';

/** The demo mailbox stands in for Ellie's inbox; the background sweep queues her emails at start-up. */
async function openEmailedLink(page: Page, policyTitle: string) {
  await expect(async () => {
    await page.goto(`/demo/mailbox?to=${encodeURIComponent(ELLIE)}`);
    await expect(page.locator('.govuk-summary-card', { hasText: policyTitle }).first()).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 60_000 });
  await expectAccessible(page, 'agreements-01-mailbox');
  await page.locator('.govuk-summary-card', { hasText: policyTitle }).first().getByRole('link', { name: 'Open the policy to sign' }).click();
  await expect(page).toHaveURL(/\/sign-in\/link\?token=/);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/agreements\/[0-9a-f-]+\/sign$/);
}

/** The compliance figure "signed" for a policy, as the dashboard shows it. */
async function signedCount(page: Page, policyTitle: string): Promise<number> {
  await page.goto('/compliance');
  await page.getByLabel('Policy').selectOption({ label: policyTitle });
  await page.getByRole('button', { name: 'Show' }).click();
  const figure = page.locator('[data-figure="signed"]');
  return Number(((await figure.textContent()) ?? '').replace(/[^0-9]/g, ''));
}

test('a teacher opens the emailed link, reads, signs and downloads the certificate; the administrator sees the dashboard change', async ({ page, browser }) => {
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signInAsPersona(admin, 'Trust administrator: Amara Okafor', 'agreements-admin');
  const before = await signedCount(admin, AUP);
  await expectAccessible(admin, 'agreements-02-compliance-before');

  await test.step('the teacher opens the link in her email and lands on the policy', async () => {
    await openEmailedLink(page, AUP);
    await expect(page.getByRole('heading', { level: 1, name: AUP })).toBeVisible();
    await expect(page.getByText('Read to the end to sign')).toBeVisible();
    await expectAccessible(page, 'agreements-03-sign-page');
  });

  await test.step('she reads to the end, mistypes her name, then signs', async () => {
    await page.locator('#end-of-document').scrollIntoViewIfNeeded();
    await expect(page.getByRole('button', { name: 'Sign the agreement' })).toBeVisible();
    for (const box of await page.getByRole('checkbox').all()) await box.check();
    await page.getByLabel('Your full name').fill('E Ward');
    await page.getByRole('button', { name: 'Sign the agreement' }).click();
    await expect(page.locator('.govuk-error-summary')).toContainText('Type your full name as it is on record');
    await expectAccessible(page, 'agreements-04-sign-error');
    await page.getByLabel('Your full name').fill('  ellie   WARD ');
    await page.getByRole('button', { name: 'Sign the agreement' }).click();
    await expect(page.getByRole('heading', { level: 1, name: new RegExp(`You have signed ${AUP}`) })).toBeVisible();
    await expectAccessible(page, 'agreements-05-signed');
  });

  await test.step('she downloads her certificate', async () => {
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download your certificate' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^certificate-.+\.pdf$/);
    const bytes = readFileSync((await file.path()) as string);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  await test.step('her agreements list it as signed, with the record', async () => {
    await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'My agreements' }).click();
    await expectAccessible(page, 'agreements-06-my-agreements');
    await page.getByRole('link', { name: 'View record' }).first().click();
    await expect(page.getByText('Intact')).toBeVisible();
    await expectAccessible(page, 'agreements-07-record');
  });

  await test.step('the administrator sees one more signature on the dashboard', async () => {
    expect(await signedCount(admin, AUP)).toBe(before + 1);
    await expectAccessible(admin, 'agreements-08-compliance-after');
  });
  await adminContext.close();
});

test('without JavaScript: the teacher signs her other, overdue agreement from its emailed link', async ({ browser }) => {
  const context = await newContextWithoutJavaScript(browser);
  const page = await context.newPage();
  await openEmailedLink(page, LAPTOP);
  await expect(page.getByRole('button', { name: 'Sign the agreement' })).toBeVisible();
  await expectAccessible(page, 'agreements-10-sign-page-no-js');
  for (const box of await page.getByRole('checkbox').all()) await box.check();
  await page.getByLabel('Your full name').fill('Ellie Ward');
  await page.getByRole('button', { name: 'Sign the agreement' }).click();
  await expect(page.getByRole('heading', { level: 1, name: new RegExp(`You have signed ${LAPTOP}`) })).toBeVisible();
  await expectAccessible(page, 'agreements-11-signed-no-js');
  await context.close();
});

test('trust administrator: ask people to sign, see the request, check the evidence chain, find the import and paper pages', async ({ page }) => {
  await signInAsPersona(page, 'Trust administrator: Amara Okafor', 'agreements-admin-2');

  await test.step('ask Oakfield Primary to sign its laptop agreement, with a mistake first', async () => {
    await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Policies' }).click();
    await page.getByRole('link', { name: LAPTOP }).click();
    await page.getByRole('link', { name: 'Ask people to sign' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Ask people to sign' })).toBeVisible();
    await expectAccessible(page, 'agreements-20-assign-form');
    await fillDate(page, 'Sign by', '');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.locator('.govuk-error-summary')).toContainText('Enter the date they must sign by');
    await expectAccessible(page, 'agreements-21-assign-form-error');
    await page.getByLabel(/^Everyone at /).check();
    await fillDate(page, 'Sign by', '2099-03-14');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('button', { name: 'Ask them to sign' })).toBeVisible();
    await expectAccessible(page, 'agreements-22-assign-check');
    await page.getByRole('button', { name: 'Ask them to sign' }).click();
    await expect(page.locator('.govuk-notification-banner--success')).toBeVisible();
    await expectAccessible(page, 'agreements-23-campaign');
  });

  await test.step('the list of requests', async () => {
    await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Assignments' }).click();
    await expect(page.getByRole('link', { name: new RegExp(LAPTOP) }).first()).toBeVisible();
    await expectAccessible(page, 'agreements-24-assignments');
  });

  await test.step('check the evidence chain from the compliance page', async () => {
    await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Compliance', exact: true }).click();
    await page.getByRole('link', { name: 'Check the signature records (evidence)' }).click();
    await page.getByRole('button', { name: 'Check the evidence chain' }).click();
    await expect(page.getByText(/intact/i).first()).toBeVisible();
    await expectAccessible(page, 'agreements-25-evidence-check');
  });

  await test.step('the import page and a paper signature page', async () => {
    await page.goto('/compliance');
    await page.getByRole('link', { name: 'Import past signatures' }).click();
    await expect(page.getByLabel('CSV file')).toBeVisible();
    await expectAccessible(page, 'agreements-26-import');
    await page.goto('/compliance');
    await page
      .getByRole('link', { name: /Record a paper signature/ })
      .first()
      .click();
    await expect(page.getByLabel('Scan or photo of the signed form')).toBeVisible();
    await expectAccessible(page, 'agreements-27-paper');
  });
});
