import { readFileSync } from 'node:fs';
import { expect, type Page, test } from '@playwright/test';
import { expectAccessible, signInAsPersona } from './helpers.ts';

const ELLIE = 'ellie.ward@oakfield.example';
const IT = 'IT manager: Kwame Mensah';

/** Opens the link in the newest email to Ellie whose subject names the loan. */
async function openEmailedLink(page: Page, reference: string, link: string) {
  await page.goto(`/demo/mailbox?to=${encodeURIComponent(ELLIE)}`);
  const card = page.locator('.govuk-summary-card', { hasText: reference }).first();
  await expect(card).toBeVisible();
  await expectAccessible(page, 'registers-02-mailbox');
  await card.getByRole('link', { name: link }).click();
}

test('IT lends two laptops; the teacher signs from the email; IT asks for them back and records a missing charger; the teacher registers a phone and IT approves it', async ({
  browser,
}) => {
  const desk = await browser.newContext();
  const it = await desk.newPage();
  await signInAsPersona(it, IT, 'registers-it');
  let reference = '';

  await test.step('IT lends two laptops in one loan (a device on loan is refused first)', async () => {
    await it.goto('/loans/new');
    await expectAccessible(it, 'registers-01-lend');
    await it.getByLabel('Who are the devices lent to?').fill(`Ellie Ward (${ELLIE})`);
    const rows = it.locator('fieldset', { hasText: /^Device \d/ });
    await rows.nth(0).getByLabel('Asset tag or serial number').fill('OPS-LT-0200');
    await rows.nth(1).getByLabel('Asset tag or serial number').fill('OPS-LT-0208');
    await it.getByLabel('Yes', { exact: true }).check();
    await it.getByRole('button', { name: 'Lend the devices' }).click();
    await expect(it.locator('.govuk-error-summary')).toContainText('OPS-LT-0200');
    await rows.nth(0).getByLabel('Asset tag or serial number').fill('OPS-LT-0204');
    for (const n of [0, 1]) await rows.nth(n).getByLabel('Charger').check();
    await it.getByRole('button', { name: 'Lend the devices' }).click();
    await expect(it.getByRole('heading', { level: 1 })).toContainText(/L-\d{4}-\d{4}/);
    reference = /L-\d{4}-\d{4}/.exec((await it.getByRole('heading', { level: 1 }).textContent()) ?? '')?.[0] ?? '';
    await expectAccessible(it, 'registers-03-loan-waiting');
  });

  const phone = await browser.newContext();
  const teacher = await phone.newPage();
  await test.step('the teacher opens the emailed link and signs for both laptops', async () => {
    await openEmailedLink(teacher, reference, 'Read the loan agreement and sign for the devices');
    await teacher.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(teacher).toHaveURL(new RegExp(`/loans/${reference}/sign`));
    await expect(teacher.getByText('OPS-LT-0204').first()).toBeVisible();
    await expect(teacher.getByText('OPS-LT-0208').first()).toBeVisible();
    await expectAccessible(teacher, 'registers-04-sign');
    await teacher.getByLabel(/I have received the devices/).check();
    await teacher.getByLabel('Your full name').fill('Ellie Ward');
    await teacher.getByRole('button', { name: 'Sign for the devices' }).click();
    await expect(teacher.locator('.govuk-tag', { hasText: 'On loan' }).first()).toBeVisible();
    await expectAccessible(teacher, 'registers-05-signed');
    const download = teacher.waitForEvent('download');
    await teacher
      .getByRole('link', { name: /receipt/i })
      .first()
      .click();
    expect(
      readFileSync((await (await download).path()) as string)
        .subarray(0, 5)
        .toString('latin1'),
    ).toBe('%PDF-');
  });

  await test.step('IT requests the return (72 hours) and records it with one charger missing', async () => {
    await it.goto(`/loans/${reference}`);
    await it.getByRole('link', { name: 'Request return' }).click();
    await expectAccessible(it, 'registers-06-request-return');
    await it.getByRole('button', { name: 'Request the return' }).click();
    await expect(it.getByText(/due in (71|72) hours|due in 3 days/).first()).toBeVisible();
    await it.getByRole('link', { name: 'Record the return' }).click();
    const second = it.locator('fieldset', { hasText: 'OPS-LT-0208' }).first();
    for (const device of [it.locator('fieldset', { hasText: 'OPS-LT-0204' }).first(), second]) await device.getByLabel('Good', { exact: true }).check();
    await second.getByLabel('Charger').uncheck();
    await expectAccessible(it, 'registers-07-return');
    await it.getByRole('button', { name: 'Save the return' }).click();
    await expect(it.getByText('Charger').first()).toBeVisible();
    await expect(it.getByText(/missing/i).first()).toBeVisible();
    await expectAccessible(it, 'registers-08-returned');
  });

  await test.step('the teacher registers her phone and IT approves it', async () => {
    await teacher.goto('/devices/new');
    await teacher.getByLabel('Mobile phone').check();
    await teacher.getByLabel('Make').fill('Apple');
    await teacher.getByLabel('Model (optional)').fill('iPhone 13 mini');
    await teacher.getByLabel('Operating system and version').fill('iOS 18.1');
    await teacher.getByLabel('School email').check();
    await teacher.getByLabel('How many characters is the passcode that unlocks the device?').fill('4');
    for (const box of await teacher.getByRole('checkbox', { name: /encrypted|up to date|removable drives|locks itself/i }).all()) await box.check();
    await teacher.getByRole('button', { name: 'Register the device' }).click();
    await expect(teacher.locator('.govuk-error-summary')).toContainText('at least 6');
    await expectAccessible(teacher, 'registers-09-device-error');
    await teacher.getByLabel('How many characters is the passcode that unlocks the device?').fill('6');
    for (const box of await teacher.getByRole('checkbox', { name: /encrypted|up to date|removable drives|locks itself/i }).all()) await box.check();
    await teacher.getByRole('button', { name: 'Register the device' }).click();
    await expect(teacher.getByText('Waiting for IT').first()).toBeVisible();
    await expectAccessible(teacher, 'registers-10-device-registered');

    await it.goto('/devices/review');
    await expectAccessible(it, 'registers-11-review');
    await it
      .getByRole('link', { name: /iPhone 13 mini/ })
      .first()
      .click();
    await it.getByLabel('Approve').check();
    await it.getByRole('button', { name: 'Record the decision' }).click();
    await expect(it.getByText('Approved').first()).toBeVisible();
    await teacher.goto('/devices');
    await expect(teacher.locator('.govuk-tag', { hasText: 'Approved' }).first()).toBeVisible();
    await expectAccessible(teacher, 'registers-12-my-devices');
  });
  await desk.close();
  await phone.close();
});
