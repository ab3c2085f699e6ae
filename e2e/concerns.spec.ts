import { expect, test } from '@playwright/test';
import { expectAccessible, fillDate, signInAsPersona } from './helpers.ts';

const TEACHER = 'Teacher: Ellie Ward';
const DPO = 'Data protection officer: Tom Fletcher';

/** Today in London as YYYY-MM-DD (the browser runs in Europe/London too). */
const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());

test('a teacher reports an email sent in error on a phone; the DPO sees the countdown and records "not reportable"; the teacher sees the status', async ({
  browser,
}) => {
  // The teacher, on a phone-sized screen.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const teacher = await phone.newPage();
  await signInAsPersona(teacher, TEACHER, 'concerns-teacher');
  let reference = '';

  await test.step('she chooses what she is reporting', async () => {
    await teacher.goto('/concerns/new');
    await expect(teacher.getByRole('heading', { level: 1, name: 'What are you reporting?' })).toBeVisible();
    await expectAccessible(teacher, 'concerns-01-choose-type');
    await teacher.getByRole('button', { name: 'Continue' }).click();
    await expect(teacher.locator('.govuk-error-summary')).toContainText('Choose what you are reporting');
    await teacher.getByLabel('Personal data breach').check();
    await teacher.getByRole('button', { name: 'Continue' }).click();
    await expect(teacher.getByRole('heading', { level: 1, name: 'Personal data breach' })).toBeVisible();
    await expectAccessible(teacher, 'concerns-02-breach-form');
  });

  await test.step('a date in the future is refused next to the field, with what she typed kept', async () => {
    const what = 'I emailed the Year 4 spelling results to a parent by mistake instead of the SENCo. It lists 27 pupils with their names and scores.';
    await teacher.getByLabel('What did you see or hear?').fill(what);
    const nextYear = String(Number(today().slice(0, 4)) + 1);
    await fillDate(teacher, 'When did it happen?', `${nextYear}-01-05`);
    await fillDate(teacher, 'When was it found out?', today());
    await teacher.getByLabel('What personal data was involved?').fill('Names and spelling scores of 27 pupils');
    await teacher.getByRole('button', { name: 'Send the report' }).click();
    await expect(teacher.locator('.govuk-error-summary')).toContainText('must be today or in the past');
    await expect(teacher.getByLabel('What did you see or hear?')).toHaveValue(what);
    await expectAccessible(teacher, 'concerns-03-breach-form-error');
    await fillDate(teacher, 'When did it happen?', today());
    await teacher.getByRole('button', { name: 'Send the report' }).click();
    await expect(teacher.getByRole('heading', { level: 1, name: 'Report received' })).toBeVisible();
    reference = ((await teacher.locator('.govuk-panel__body strong').textContent()) ?? '').trim();
    expect(reference).toMatch(/^C-\d{4}-\d{4}$/);
    await expectAccessible(teacher, 'concerns-04-received');
  });

  // The DPO, at a desk.
  const desk = await browser.newContext();
  const dpo = await desk.newPage();
  await signInAsPersona(dpo, DPO, 'concerns-dpo');

  await test.step('the DPO sees the breach on the home page and in the register with the ICO countdown', async () => {
    await expect(dpo.getByRole('link', { name: `Decide whether to report ${reference} to the ICO` })).toBeVisible();
    await dpo.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Data breaches' }).click();
    const row = dpo.getByRole('row', { name: new RegExp(reference) });
    await expect(row).toContainText(/due in (7[0-2]|[23]) (hours|days)/);
    await expectAccessible(dpo, 'concerns-05-breach-register');
    await row.getByRole('link', { name: reference }).click();
    await expect(dpo.getByRole('heading', { level: 1, name: reference })).toBeVisible();
    await expect(dpo.locator('#breach')).toContainText('due in');
    await expectAccessible(dpo, 'concerns-06-breach-record');
  });

  await test.step('the DPO acknowledges it and records "not reportable" with reasons (reasons are required)', async () => {
    await dpo.getByRole('button', { name: 'Acknowledge' }).click();
    await expect(dpo.locator('.govuk-tag', { hasText: 'Acknowledged' }).first()).toBeVisible();
    await dpo.getByRole('link', { name: 'Record the ICO decision' }).click();
    await dpo.getByLabel('Not reportable to the ICO').check();
    await dpo.getByRole('button', { name: 'Record the decision' }).click();
    await expect(dpo.locator('.govuk-error-summary')).toBeVisible();
    await expectAccessible(dpo, 'concerns-07-decision-error');
    await dpo.getByLabel('Not reportable to the ICO').check();
    await dpo
      .getByLabel('Your reasons')
      .fill(
        'The parent is a teaching assistant at the school, deleted the email at once and confirmed it in writing. Scores only, no sensitive data: unlikely to be a risk.',
      );
    await dpo.getByRole('button', { name: 'Record the decision' }).click();
    await expect(dpo.locator('#breach')).toContainText('Not reportable to the ICO');
    await expect(dpo.getByText('The parent is a teaching assistant').first()).toBeVisible();
    await expectAccessible(dpo, 'concerns-08-decided');
  });

  await test.step('the teacher sees the status of her report, not the chronology', async () => {
    await teacher.goto('/concerns/mine');
    const row = teacher.getByRole('row', { name: new RegExp(reference) });
    await expect(row).toContainText('Acknowledged');
    await expectAccessible(teacher, 'concerns-09-your-reports');
    await row.getByRole('link', { name: reference }).click();
    await expect(teacher.getByText('Acknowledged').first()).toBeVisible();
    await expect(teacher.getByText('The parent is a teaching assistant')).toHaveCount(0);
    await expectAccessible(teacher, 'concerns-10-report-status');
  });

  await phone.close();
  await desk.close();
});
