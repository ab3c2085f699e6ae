import { eq } from 'drizzle-orm';
import type { Ctx } from '../../src/context.ts';
import type { Db } from '../../src/db/client.ts';
import { confirmReturn, issueLoan, publishAgreement, recordReturn, requestReturn, signLoan } from '../../src/modules/assets/loans/service.ts';
import { createAsset } from '../../src/modules/assets/service.ts';
import { loadPersonActor } from '../../src/modules/auth/service.ts';
import { decideDevice, registerDevice } from '../../src/modules/byod/service.ts';
import { people, schools } from '../../src/modules/organisations/schema.ts';
import { addCloudService } from '../../src/modules/requests/cloud.ts';
import { decideRequest, makeRequest } from '../../src/modules/requests/service.ts';
import { londonToday } from '../../src/ui/format.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const LOAN_AGREEMENT = `Oakfield Learning Trust: device loan agreement

1. The device stays the property of the trust and is lent to you for your work.
2. Keep it with you or locked away; never leave it in a car.
3. Only you use it. Do not install software without permission from IT services.
4. Keep school data on the device only as the acceptable use policy allows.
5. Report loss, theft or damage to IT services and the head teacher the same day (and to the police if stolen).
6. When asked, return the device with all its accessories, cables and packaging, in good order, within 72 hours.`;

/**
 * The registers of the demo trust, made through the real services as the people who would act:
 * a few dozen devices, some on loan (one overdue for return, one returned with a charger missing),
 * personal devices in each state, permission requests in each state, and the cloud services register.
 */
export async function seedDemoRegisters(db: Db, trustId: string, now = new Date()) {
  const byName = new Map(
    (await db.select({ id: people.id, name: people.fullName, email: people.email }).from(people).where(eq(people.trustId, trustId))).map((p) => [p.name, p]),
  );
  const schoolId = new Map(
    (await db.select({ id: schools.id, slug: schools.slug }).from(schools).where(eq(schools.trustId, trustId))).map((s) => [s.slug, s.id]),
  );
  const as = async (name: string): Promise<Ctx> => {
    const person = byName.get(name);
    if (!person) throw new Error(`demo registers: no ${name}`);
    return { db, actor: await loadPersonActor(db, trustId, person.id), baseUrl: '', ip: '10.20.1.30', userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)' };
  };
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const email = (name: string) => byName.get(name)?.email as string;
  const it = await as('Kwame Mensah');

  // The register: laptops, tablets, a camera and a projector across the three schools.
  const models: [string, string, string, string][] = [
    ['laptop', 'Dell', 'Latitude 5440', 'LT'],
    ['laptop', 'Lenovo', 'ThinkPad E14', 'LT'],
    ['tablet', 'Apple', 'iPad (10th generation)', 'IP'],
    ['desktop', 'HP', 'ProDesk 400', 'PC'],
  ];
  const prefixes: Record<string, string> = { 'oakfield-primary': 'OPS', 'hollins-park': 'HPS', 'brookside-academy': 'BA' };
  let n = 0;
  for (const [slug, prefix] of Object.entries(prefixes)) {
    for (let i = 0; i < 10; i++) {
      const [type, make, model, code] = models[i % models.length] as [string, string, string, string];
      n++;
      await createAsset(it, {
        tag: `${prefix}-${code}-${String(200 + i).padStart(4, '0')}`,
        serial: `${make.slice(0, 2).toUpperCase()}${(734_100 + n * 37).toString(36).toUpperCase()}${i}`,
        type,
        make,
        model,
        school: schoolId.get(slug),
        location: i % 3 === 0 ? 'IT office' : `Room ${i + 3}`,
        purchasedOn: `202${4 + (i % 2)}-0${(i % 8) + 1}-15`,
        orderReference: `PO-${slug.slice(0, 2).toUpperCase()}-${1100 + i}`,
      });
    }
  }
  await createAsset(it, {
    tag: 'OPS-CAM-0001',
    serial: 'CANON-77A1290',
    type: 'camera',
    make: 'Canon',
    model: 'PowerShot G7',
    school: schoolId.get('oakfield-primary'),
    location: 'Office',
  });
  await createAsset(it, {
    tag: 'OPS-PJ-0004',
    serial: 'EPS-X41-5521',
    type: 'projector',
    make: 'Epson',
    model: 'EB-X41',
    school: schoolId.get('oakfield-primary'),
    location: 'Year 4 classroom',
  });

  await publishAgreement(await as('Amara Okafor'), { label: '2026-1', text: LOAN_AGREEMENT });

  // Loans: signed and on loan; one overdue for return; one returned with a charger missing; one waiting for a signature.
  const lend = async (to: string, tags: string[], daysAgo: number) => {
    const form: Record<string, unknown> = { person: email(to), offSite: 'yes', offSiteNote: 'Planning and marking at home' };
    tags.forEach((tag, i) => {
      form[`device-${i}`] = tag;
      form[`accessories-${i}`] = ['charger', 'bag'];
    });
    const loan = await issueLoan(it, form, ago(daysAgo * DAY));
    return loan.reference as string;
  };
  const sign = async (who: string, reference: string, daysAgo: number) =>
    signLoan(await as(who), reference, { agree: 'yes', typedName: who }, false, ago(daysAgo * DAY));

  const martin = await lend('Martin Cole', ['OPS-LT-0200'], 60);
  await sign('Martin Cole', martin, 59);
  const zara = await lend('Zara Ahmed', ['OPS-LT-0201', 'OPS-IP-0202'], 40);
  await sign('Zara Ahmed', zara, 40);
  await requestReturn(it, zara, { reason: 'The laptop is due for its annual reimage.' }, ago(4 * DAY));
  const ava = await lend('Ava Robinson', ['BA-LT-0200'], 90);
  await sign('Ava Robinson', ava, 90);
  await requestReturn(it, ava, { reason: 'End of the training placement.' }, ago(20 * DAY));
  await recordReturn(it, ava, { 'device-0': 'BA-LT-0200', 'condition-0': 'worn', 'handedBack-0': ['Bag or case'], 'note-0': 'Charger not returned.' });
  await confirmReturn(await as('Ava Robinson'), ava, { agree: 'yes', typedName: 'Ava Robinson' }, false, ago(19 * DAY));
  await lend('Ellie Ward', ['OPS-LT-0205'], 1);

  // Personal devices: approved, waiting for IT, refused.
  const phone = {
    passcodeLength: '6',
    biometrics: 'yes',
    encrypted: 'yes',
    updates: 'yes',
    noRemovableDrives: 'yes',
    autoLock: 'yes',
  };
  const approved = await registerDevice(
    await as('Priya Shah'),
    { type: 'phone', make: 'Apple', model: 'iPhone 15', os: 'iOS 18.1', uses: ['email', 'wifi'], ...phone },
    ago(100 * DAY),
  );
  await decideDevice(it, approved.device.id, { decision: 'approved' }, ago(99 * DAY));
  await registerDevice(
    await as('Ellie Ward'),
    { type: 'phone', make: 'Samsung', model: 'Galaxy A55', os: 'Android 15', uses: ['email'], ...phone },
    ago(2 * DAY),
  );
  const refused = await registerDevice(
    await as('Martin Cole'),
    { type: 'laptop', make: 'HP', model: 'Pavilion', os: 'Windows 10 Home', uses: ['data'], ...phone, biometrics: '', passcodeLength: '8' },
    ago(30 * DAY),
  );
  await decideDevice(
    it,
    refused.device.id,
    { decision: 'refused', reason: 'Windows 10 no longer gets security updates. Upgrade it, then register it again.' },
    ago(29 * DAY),
  );

  // Permission requests: waiting, approved, refused; and the cloud services register.
  const ask = async (who: string, type: string, values: Record<string, string | string[]>, daysAgo: number) =>
    (await makeRequest(await as(who), type as never, values, {}, ago(daysAgo * DAY))).reference as string;
  await ask(
    'Ellie Ward',
    'website_unblock',
    { url: 'https://www.nationalgeographic.com/animals', reason: 'Year 4 science topic on animal habitats: the videos are blocked.' },
    1,
  );
  const quiz = await ask(
    'Zara Ahmed',
    'cloud_service',
    {
      serviceName: 'Quizlet',
      supplier: 'Quizlet Inc.',
      website: 'https://quizlet.com',
      personalData: ['pupil_names', 'attainment'],
      why: 'Spelling practice at home',
    },
    12,
  );
  await decideRequest(
    await as('Tom Fletcher'),
    quiz,
    { decision: 'approve', reason: 'DPIA done; pupils sign in with first name and class only.', dpiaDone: 'yes', dpiaOn: londonToday(ago(11 * DAY)) },
    ago(10 * DAY),
  );
  const social = await ask('Zara Ahmed', 'website_unblock', { url: 'https://www.tiktok.com', reason: 'To show a video in class.' }, 6);
  await decideRequest(
    it,
    social,
    { decision: 'refuse', reason: 'Not suitable for pupils; download the video through the school account instead.' },
    ago(5 * DAY),
  );

  const dpo = await as('Tom Fletcher');
  for (const s of [
    {
      name: 'Microsoft 365 Education',
      supplier: 'Microsoft',
      purpose: 'Email, documents and Teams for staff and pupils',
      dataCategories: ['pupil_names', 'staff', 'attainment'],
    },
    {
      name: 'Arbor MIS',
      supplier: 'Arbor Education',
      purpose: 'The school information system',
      dataCategories: ['pupil_names', 'pupil_contact', 'dates_of_birth', 'attendance', 'special_category', 'staff'],
    },
    {
      name: 'Tapestry',
      supplier: 'The Foundation Stage Forum',
      purpose: 'Early years learning journals',
      dataCategories: ['pupil_names', 'images', 'attainment'],
    },
  ])
    await addCloudService(dpo, { ...s, dpiaDone: 'yes', dpiaOn: '2025-06-01', reviewOn: '2027-06-01' });
}
