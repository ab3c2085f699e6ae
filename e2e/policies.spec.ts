import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { docxFromSeed } from '../test/fixtures/policies/build-documents.ts';
import { expectAccessible, signInAsPersona } from './helpers.ts';

const seedDir = path.resolve(import.meta.dirname, '..', 'test', 'fixtures', 'policies', 'seeds');

test('trust administrator: import a policy from Word, correct it, approve, publish, read it publicly and as a PDF', async ({ page, browser }) => {
  const docx = test.info().outputPath('staff-aup.docx');
  writeFileSync(docx, await docxFromSeed(readFileSync(path.join(seedDir, '000_c03ed886a5a0a590.txt'), 'utf8')));
  const slug = `staff-ict-aup-${Date.now().toString(36)}`;

  await signInAsPersona(page, 'Trust administrator: Amara Okafor', 'policy-01');

  await test.step('import the Word document and correct a heading on the preview', async () => {
    await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Policies' }).click();
    await expectAccessible(page, 'policy-02-policies');
    await page.getByRole('link', { name: 'Add a policy' }).click();
    await page.getByRole('link', { name: 'Import it instead' }).click();
    await expectAccessible(page, 'policy-03-import-upload');
    await page.getByRole('button', { name: 'Upload and read the policy' }).click();
    await expect(page.locator('.govuk-error-summary')).toContainText('Select a policy document');
    await expectAccessible(page, 'policy-04-import-upload-error');
    await page.getByLabel('Policy document').setInputFiles(docx);
    await page.getByRole('button', { name: 'Upload and read the policy' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Check the imported policy' })).toBeVisible();
    await expect(page.getByLabel('Title', { exact: true })).toHaveValue('Staff Acceptable Use of ICT Policy');
    await expectAccessible(page, 'policy-05-import-preview');
    await page.getByLabel('Short name').fill(slug);
    await page.getByLabel('Section 1.0 heading').fill('Introduction and purpose');
    await page.getByRole('button', { name: 'Save as a draft' }).click();
    await expect(page.locator('.govuk-notification-banner--success')).toContainText('has been saved as a draft');
    await expect(page.getByRole('heading', { name: '1.0 Introduction and purpose' })).toBeVisible();
    await expectAccessible(page, 'policy-06-draft');
  });

  await test.step('record the approval and publish it as a material change', async () => {
    await page.getByRole('link', { name: 'Record approval' }).click();
    await page.getByLabel('Approved by').fill('Board of Trustees');
    await page.getByLabel('Minutes reference (optional)').fill('Board 12 November 2026, item 6');
    await expectAccessible(page, 'policy-07-approve');
    await page.getByRole('button', { name: 'Record approval' }).click();
    await expect(page.locator('.govuk-notification-banner--success')).toContainText('has been approved');
    await page.getByRole('link', { name: 'Publish', exact: true }).click();
    await page.getByRole('button', { name: /^Publish/ }).click();
    await expect(page.locator('.govuk-error-summary')).toContainText('Say why');
    await expectAccessible(page, 'policy-08-publish-errors');
    await page.getByLabel('Yes: a material change').check();
    await page.getByLabel('Why').fill('New trust-wide policy replacing each school’s own');
    await page.getByRole('button', { name: /^Publish/ }).click();
    await expect(page.locator('.govuk-notification-banner--success')).toContainText('is now in force');
    await expectAccessible(page, 'policy-09-policy-in-force');
  });

  await test.step('make it public, then read the public page without signing in', async () => {
    await page.getByRole('link', { name: 'Change details' }).click();
    await page.getByLabel('Public', { exact: true }).check();
    await page.getByLabel(/Publish on the website/).check();
    await expectAccessible(page, 'policy-10-details');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.locator('.govuk-notification-banner--success')).toContainText('saved');
    await expect(page.locator('main')).toContainText(`/p/oakfield/${slug}`);
    const visitor = await (await browser.newContext()).newPage();
    await visitor.goto(`/p/oakfield/${slug}`);
    await expect(visitor.getByRole('heading', { level: 1 })).toContainText('Staff Acceptable Use of ICT Policy');
    await expect(visitor.getByRole('heading', { name: '1.0 Introduction and purpose' })).toBeVisible();
    await expect(visitor.getByRole('link', { name: 'Sign out' })).toHaveCount(0);
    await expectAccessible(visitor, 'policy-11-public-page');
    await visitor.context().close();
  });

  await test.step('download the PDF of the version in force', async () => {
    await page.getByRole('link', { name: 'Read the version in force' }).click();
    await expectAccessible(page, 'policy-12-reading');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /Download PDF/ }).click()]);
    const file = test.info().outputPath(download.suggestedFilename());
    await download.saveAs(file);
    expect(download.suggestedFilename()).toMatch(/\.pdf$/);
    expect(readFileSync(file).subarray(0, 5).toString()).toBe('%PDF-');
  });

  await test.step('the review calendar lists it', async () => {
    await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Reviews' }).click();
    await expect(page.locator('main')).toContainText('Staff Acceptable Use of ICT Policy');
    await expectAccessible(page, 'policy-13-reviews');
  });
});
