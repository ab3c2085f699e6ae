import { writeFileSync } from 'node:fs';
import { type Browser, expect, type Page, test } from '@playwright/test';
import { formatDate, londonToday } from '../src/ui/format.ts';
import { expectAccessible, fillDate, newContextWithoutJavaScript, signInAsPersona } from './helpers.ts';

const ADMIN = 'amara.okafor@oakfield.example';

/** A calendar date (YYYY-MM-DD) some days after today in London. */
const daysFromToday = (days: number) => {
  const d = new Date(`${londonToday()}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
};

const menu = (page: Page) => page.getByRole('navigation', { name: 'Menu' });
const successBanner = (page: Page) => page.locator('.govuk-notification-banner--success');
const errorSummary = (page: Page) => page.locator('.govuk-error-summary');

/** Every link in the error summary points at a field on the page, and each message is shown by its field. */
async function expectErrorSummaryLinksToFields(page: Page, messages: string[]) {
  await expect(errorSummary(page)).toBeVisible();
  await expect(errorSummary(page).getByRole('heading', { name: 'There is a problem' })).toBeVisible();
  await expect(page).toHaveTitle(/^Error: /);
  const links = errorSummary(page).getByRole('link');
  await expect(links).toHaveText(messages);
  for (const link of await links.all()) {
    const href = await link.getAttribute('href');
    expect(href, 'error summary links are in-page anchors').toMatch(/^#.+/);
    const field = page.locator(href ?? '');
    await expect(field, `the field ${href} the error summary links to`).toHaveCount(1);
    await expect(field).toBeVisible();
  }
  for (const message of messages) await expect(page.locator('.govuk-error-message', { hasText: message })).toBeVisible();
}

test('trust administrator: sign in by email link, add a person, give and remove a role, record leaving, sign out', async ({ page }) => {
  let personUrl = '';

  await test.step('opening the app goes to the sign-in page', async () => {
    await page.goto('/');
    await expect(page).toHaveURL(/\/sign-in\?next=%2F$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in to Countersign' })).toBeVisible();
    await expectAccessible(page, '01-sign-in');
  });

  await test.step('a wrong email address is explained', async () => {
    await page.getByLabel('Work email address').fill('amara.okafor');
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await expectErrorSummaryLinksToFields(page, ['Enter an email address in the correct format, like name@example.org']);
    await expectAccessible(page, '02-sign-in-error');
  });

  await test.step('ask for a sign-in link by email', async () => {
    await page.getByLabel('Work email address').fill(ADMIN);
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Check your email' })).toBeVisible();
    await expect(page.getByText(ADMIN)).toBeVisible();
    await expectAccessible(page, '03-check-your-email');
  });

  await test.step('follow the link from the demo mailbox and sign in', async () => {
    await page.getByRole('link', { name: 'Open the demo mailbox for this address' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Demo mailbox' })).toBeVisible();
    // Newest first: other journeys may have signed the same person in a few minutes earlier.
    await expect(page.getByRole('heading', { level: 2, name: 'Oakfield Learning Trust: your link to sign in to Countersign' }).first()).toBeVisible();
    await expectAccessible(page, '04-demo-mailbox');
    await page.getByRole('link', { name: 'Sign in to Countersign' }).first().click();
    await expect(page).toHaveURL(/\/sign-in\/link\?token=/);
    await expectAccessible(page, '05-sign-in-link');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Hello, Amara' })).toBeVisible();
    await expect(page.locator('.cs-header__name')).toHaveText('Amara Okafor');
    await expectAccessible(page, '06-home');
  });

  await test.step('the outbox lists the sign-in email, and its used link no longer works', async () => {
    await menu(page).getByRole('link', { name: 'Outbox' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Outbox' })).toBeVisible();
    // Newest first: the first is the link just used (other journeys may have signed her in earlier).
    const row = page.getByRole('row').filter({ hasText: ADMIN }).first();
    await expect(row).toBeVisible();
    await expectAccessible(page, '07-outbox');
    await row.getByRole('link', { name: 'Oakfield Learning Trust: your link to sign in to Countersign' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Oakfield Learning Trust: your link to sign in to Countersign' })).toBeVisible();
    await expect(page.locator('.govuk-summary-list')).toContainText(ADMIN);
    await expectAccessible(page, '08-outbox-email');
    await page.getByRole('link', { name: /\/sign-in\/link\?token=/ }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'That link did not work' })).toBeVisible();
    await expect(page.getByText('This sign-in link has already been used.')).toBeVisible();
    await expectAccessible(page, '09-sign-in-link-used');
  });

  await test.step('find someone on the people page', async () => {
    await page.goto('/');
    await menu(page).getByRole('link', { name: 'People' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'People' })).toBeVisible();
    await expectAccessible(page, '10-people');
    await page.getByLabel('Name, email or position').fill('Ellie');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page).toHaveURL(/[?&]q=Ellie/);
    const rows = page.locator('table.govuk-table tbody tr');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText('Ellie Ward');
    await expect(rows.first()).toContainText('Class Teacher, Year 4');
    await expectAccessible(page, '11-people-search');
  });

  await test.step('adding a person with nothing filled in shows the errors', async () => {
    await page.getByRole('link', { name: 'Add a person' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Add a person' })).toBeVisible();
    await expectAccessible(page, '12-add-person');
    await page.getByRole('button', { name: 'Add person' }).click();
    await expectErrorSummaryLinksToFields(page, ['Enter the person’s full name', 'Enter an email address']);
    // GOV.UK Frontend moves focus to the summary, and its links move focus to the field.
    await expect(errorSummary(page)).toBeFocused();
    await errorSummary(page).getByRole('link', { name: 'Enter an email address' }).click();
    await expect(page.getByLabel('Work email address')).toBeFocused();
    await expectAccessible(page, '13-add-person-errors');
  });

  await test.step('add a person', async () => {
    await page.getByLabel('Full name').fill('Nadia Rahman');
    await page.getByLabel('Work email address').fill('nadia.rahman@oakfield.example');
    await page.getByLabel('Kind of person').selectOption({ label: 'Employee' });
    await page.getByLabel('Position or job title (optional)').fill('Teaching Assistant');
    await page.getByLabel('Line manager (optional)').selectOption({ label: 'David Hughes (david.hughes@oakfield.example)' });
    await page.getByRole('group', { name: 'Schools' }).getByLabel('Oakfield Primary School').check();
    await fillDate(page, 'Start date (optional)', '2024-09-02');
    await page.getByRole('button', { name: 'Add person' }).click();
    await expect(page).toHaveURL(/\/people\/[0-9a-f-]{36}$/);
    personUrl = new URL(page.url()).pathname;
    await expect(successBanner(page)).toContainText('Nadia Rahman has been added');
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Nadia Rahman');
    const details = page.locator('.govuk-summary-list');
    await expect(details).toContainText('nadia.rahman@oakfield.example');
    await expect(details).toContainText('Teaching Assistant');
    await expect(details).toContainText('David Hughes');
    await expect(details).toContainText('Oakfield Primary School');
    await expect(details).toContainText(formatDate('2024-09-02'));
    await expectAccessible(page, '14-person-added');
  });

  await test.step('giving a role without choosing one shows the errors', async () => {
    await page.getByRole('button', { name: 'Give role' }).click();
    await expectErrorSummaryLinksToFields(page, ['Choose a role', 'Choose where the role applies']);
    await expectAccessible(page, '15-give-role-errors');
  });

  await test.step('give them a role', async () => {
    await page.getByLabel('Role', { exact: true }).selectOption({ label: 'Deputy DSL' });
    await page.getByLabel('Where it applies').selectOption({ label: 'Oakfield Primary School' });
    await page.getByRole('button', { name: 'Give role' }).click();
    await expect(page).toHaveURL(new RegExp(`${personUrl}$`));
    await expect(successBanner(page)).toContainText('The role has been given');
    const roles = page.getByRole('table', { name: 'Roles' });
    await expect(roles.locator('tbody tr')).toHaveCount(1);
    await expect(roles.locator('tbody tr').first()).toContainText('Deputy DSL');
    await expect(roles.locator('tbody tr').first()).toContainText('Oakfield Primary School');
    await expectAccessible(page, '16-role-given');
  });

  await test.step('remove the role again', async () => {
    await page.getByRole('button', { name: 'Remove the role Deputy DSL' }).click();
    await expect(successBanner(page)).toContainText('The role has been removed');
    await expect(page.getByRole('table', { name: 'Roles' })).toHaveCount(0);
    await expect(page.getByText('No roles.')).toBeVisible();
    await expectAccessible(page, '17-role-removed');
  });

  await test.step('record their leaving date', async () => {
    const leaving = daysFromToday(30);
    await page.getByRole('link', { name: 'Record leaving' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Record that Nadia Rahman is leaving' })).toBeVisible();
    await expectAccessible(page, '18-record-leaving');
    await fillDate(page, 'Last working day', '');
    await page.getByRole('button', { name: 'Record leaving date' }).click();
    await expectErrorSummaryLinksToFields(page, ['Enter the date they leave or left']);
    await expectAccessible(page, '19-record-leaving-errors');
    await fillDate(page, 'Last working day', leaving);
    await page.getByRole('button', { name: 'Record leaving date' }).click();
    await expect(page).toHaveURL(new RegExp(`${personUrl}$`));
    await expect(successBanner(page)).toContainText('Nadia Rahman’s leaving date has been recorded');
    await expect(page.locator('.govuk-summary-list')).toContainText(formatDate(leaving));
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Leaving');
    await expectAccessible(page, '20-leaving-recorded');
  });

  await test.step('an unknown address shows the page-not-found page', async () => {
    const response = await page.goto('/no-such-page');
    expect(response?.status()).toBe(404);
    await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
    await expectAccessible(page, '21-not-found');
    const missingPerson = await page.goto('/people/00000000-0000-4000-8000-000000000000');
    expect(missingPerson?.status()).toBe(404);
    await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
    await expectAccessible(page, '22-not-found-person');
  });

  await test.step('sign out', async () => {
    await page.goto('/');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/sign-in$/);
    await expect(page.locator('.cs-header__name')).toHaveCount(0);
    await expectAccessible(page, '23-signed-out');
    await page.goto(personUrl);
    await expect(page).toHaveURL(/\/sign-in\?next=/);
    await expectAccessible(page, '24-sign-in-after-sign-out');
  });
});

// The import page is the contract in the people-import issue: /people/import with a "CSV file" input, a preview
// headed "Check the import", an "Import…" button, then back to /people with "Import complete…".
test('trust administrator: import people from a CSV file', async ({ page }) => {
  const csv = [
    'email,full_name,kind,position,line_manager_email,start_date,end_date,schools,external_id',
    'jo.baxter@oakfield.example,Jo Baxter,employee,Teaching Assistant,david.hughes@oakfield.example,2024-09-02,,oakfield-primary,E2E-001',
    'sam.okoro@oakfield.example,Sam Okoro,volunteer,Reading Volunteer,,2025-01-06,,oakfield-primary,E2E-002',
    '',
  ].join('\n');
  const file = test.info().outputPath('people-import.csv');
  writeFileSync(file, csv);

  await signInAsPersona(page, 'Trust administrator: Amara Okafor', 'import-01');
  await page.goto('/people');
  await page.getByRole('link', { name: 'Import from a spreadsheet' }).click();
  await expect(page).toHaveURL(/\/people\/import$/);
  await expect(page.getByRole('heading', { level: 1 })).not.toHaveText('Page not found');
  await expectAccessible(page, 'import-02-upload');
  // "Full list" end-dates everyone missing from the file: this small file must not use it.
  await expect(page.getByRole('checkbox', { name: /^This is a full list/ })).not.toBeChecked();
  await page.getByLabel('CSV file').setInputFiles(file);
  await page.getByRole('button', { name: 'Upload and preview' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Check the import' })).toBeVisible();
  await expect(page.locator('main')).toContainText('Jo Baxter');
  await expect(page.locator('main')).toContainText('Sam Okoro');
  await expectAccessible(page, 'import-03-preview');
  await page.getByRole('button', { name: /^Import/ }).click();
  await expect(page).toHaveURL(/\/people(\?.*)?$/);
  await expect(successBanner(page).locator('.govuk-notification-banner__heading')).toHaveText(/^Import complete/);
  await expectAccessible(page, 'import-04-complete');

  await page.getByLabel('School', { exact: true }).selectOption({ label: 'Oakfield Primary School' });
  await page.getByLabel('Name, email or position').fill('Jo Baxter');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  const row = page.locator('table.govuk-table tbody tr').filter({ hasText: 'Jo Baxter' });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('Oakfield Primary School');
  await expectAccessible(page, 'import-05-people-filtered');
  await row.getByRole('link', { name: 'Jo Baxter' }).click();
  await expect(page.locator('.govuk-summary-list')).toContainText('David Hughes');
  await expect(page.locator('.govuk-summary-list')).toContainText('E2E-001');
  await expectAccessible(page, 'import-06-imported-person');
});

test('teacher: no People menu, and adding a person is refused', async ({ page }) => {
  await signInAsPersona(page, 'Teacher: Ellie Ward', 'teacher-01');
  await expect(page.getByRole('heading', { level: 1, name: 'Hello, Ellie' })).toBeVisible();
  await expect(menu(page).getByRole('link', { name: 'Home' })).toBeVisible();
  await expect(menu(page).getByRole('link', { name: 'People' })).toHaveCount(0);
  await expect(menu(page).getByRole('link', { name: 'Outbox' })).toHaveCount(0);
  await expectAccessible(page, 'teacher-02-home');

  const response = await page.goto('/people/new');
  expect(response?.status()).toBe(403);
  await expect(page.getByRole('heading', { level: 1, name: 'You do not have permission to see this page' })).toBeVisible();
  await expectAccessible(page, 'teacher-03-forbidden');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await expectAccessible(page, 'teacher-04-signed-out');
  expect((await page.goto('/people/new'))?.url()).toMatch(/\/sign-in\?next=/);
});

test('without JavaScript: sign in and add a person', async ({ browser }: { browser: Browser }) => {
  const context = await newContextWithoutJavaScript(browser);
  const page = await context.newPage();
  try {
    await signInAsPersona(page, 'Trust administrator: Amara Okafor', 'nojs-01');
    await expect(page.getByRole('heading', { level: 1, name: 'Hello, Amara' })).toBeVisible();
    await expect(page.locator('body')).not.toHaveClass(/js-enabled/);
    await expectAccessible(page, 'nojs-02-home');

    await menu(page).getByRole('link', { name: 'People' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'People' })).toBeVisible();
    await expectAccessible(page, 'nojs-03-people');
    await page.getByRole('link', { name: 'Add a person' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Add a person' })).toBeVisible();
    await expectAccessible(page, 'nojs-04-add-person');

    await page.getByRole('button', { name: 'Add person' }).click();
    await expectErrorSummaryLinksToFields(page, ['Enter the person’s full name', 'Enter an email address']);
    await expectAccessible(page, 'nojs-05-add-person-errors');

    await page.getByLabel('Full name').fill('Tariq Aziz');
    await page.getByLabel('Work email address').fill('tariq.aziz@oakfield.example');
    await page.getByLabel('Kind of person').selectOption({ label: 'Volunteer' });
    await page.getByLabel('Position or job title (optional)').fill('Governor support');
    await page.getByLabel('Line manager (optional)').selectOption({ label: 'Amara Okafor (amara.okafor@oakfield.example)' });
    await page.getByRole('group', { name: 'Schools' }).getByLabel('Brookside Academy').check();
    await fillDate(page, 'Start date (optional)', '2025-04-22');
    await page.getByRole('button', { name: 'Add person' }).click();
    await expect(page).toHaveURL(/\/people\/[0-9a-f-]{36}$/);
    await expect(successBanner(page)).toContainText('Tariq Aziz has been added');
    await expect(page.locator('.govuk-summary-list')).toContainText('Brookside Academy');
    await expect(page.locator('.govuk-summary-list')).toContainText('Volunteer');
    await expectAccessible(page, 'nojs-06-person-added');
  } finally {
    await context.close();
  }
});
