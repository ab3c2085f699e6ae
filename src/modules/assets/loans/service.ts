import { and, asc, desc, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import { recordEvent } from '../../../audit/audit.ts';
import type { Ctx } from '../../../context.ts';
import { sha256 } from '../../../crypto.ts';
import { type Db, transaction } from '../../../db/client.ts';
import { nextReference } from '../../../db/references.ts';
import { AppError, type FieldErrors, ForbiddenError, NotFoundError, ValidationError } from '../../../errors.ts';
import { londonToday } from '../../../ui/format.ts';
import { toFieldErrors } from '../../../validation.ts';
import { normaliseName } from '../../acknowledgements/validation.ts';
import { actorLabel } from '../../auth/actor.ts';
import { authorize, can, type Resource } from '../../auth/authorize.ts';
import { createSignInLink } from '../../auth/service.ts';
import { queueEmail } from '../../notifications/service.ts';
import { currentPeopleOptions, findPersonByReference, findTrust } from '../../organisations/repository.ts';
import { people, schools } from '../../organisations/schema.ts';
import { canonicalJson } from '../../policies/content.ts';
import { type AssetStatus, assets, CONDITIONS, type Condition, type LoanStatus, loanAgreementVersions, loanItems, loans } from '../schema.ts';
import { assetEvent, setLoanStatus } from '../service.ts';
import { loanIssuedEmail, returnRequestedEmail } from './emails.tsx';
import { agreementInput, LOAN_DECLARATION, parseIssueForm, parseReturnForm, RETURN_DECLARATION, requestReturnInput, signatureInput } from './validation.ts';

export type LoanRow = typeof loans.$inferSelect;
export type AssetRow = typeof assets.$inferSelect;
export type AgreementRow = typeof loanAgreementVersions.$inferSelect;

/** 003 §7.2: devices come back within 72 hours of a request. The database checks it too. */
export const RETURN_HOURS = 72;
export const HOUR_MS = 3_600_000;
/** The personal sign-in link in the loan email works this long. */
export const LINK_DAYS = 7;

const REFERENCE = /^L-\d{4}-\d{4,}$/;

export const loanUrl = (ref: string, rest = '') => `/loans/${encodeURIComponent(ref)}${rest}`;

/** Who may see and change a loan: the person it is lent to, and IT (or the head teacher) of the devices' school. */
export const loanResource = (loan: Pick<LoanRow, 'trustId' | 'schoolId' | 'personId'>): Resource => ({
  trustId: loan.trustId,
  schoolIds: loan.schoolId ? [loan.schoolId] : [],
  personId: loan.personId,
});

const personId = (ctx: Ctx) => (ctx.actor.type === 'person' ? ctx.actor.personId : null);
const isSelf = (ctx: Ctx, loan: Pick<LoanRow, 'personId'>) => ctx.actor.type === 'person' && ctx.actor.personId === loan.personId;

/** A loan that cannot take this step in its state: shown as a 409 page with a way back to the loan. */
export class LoanStateError extends AppError {
  constructor(
    message: string,
    readonly reference: string,
  ) {
    super(message, 409);
  }
}

// ---------------------------------------------------------------------------------------------
// The asset register's side of a loan goes through the assets service: setLoanStatus (status,
// history entry and audit event, refusing a device in the wrong state) and assetEvent (a history
// entry). Each event carries { loanId, reference }.

// ---------------------------------------------------------------------------------------------
// The loan agreement: the trust's own text, versioned and append-only; the newest is in force.

export async function agreementInForce(db: Db, trustId: string): Promise<AgreementRow | null> {
  const [row] = await db
    .select()
    .from(loanAgreementVersions)
    .where(eq(loanAgreementVersions.trustId, trustId))
    .orderBy(desc(loanAgreementVersions.publishedAt), desc(loanAgreementVersions.label))
    .limit(1);
  return row ?? null;
}

/** The agreement page: the text in force and every version; anyone of the trust may read what they will sign. */
export async function agreementPage(ctx: Ctx) {
  const trustId = ctx.actor.trustId;
  const versions = await ctx.db
    .select({ version: loanAgreementVersions, publishedByName: people.fullName })
    .from(loanAgreementVersions)
    .leftJoin(people, and(eq(people.trustId, loanAgreementVersions.trustId), eq(people.id, loanAgreementVersions.publishedBy)))
    .where(eq(loanAgreementVersions.trustId, trustId))
    .orderBy(desc(loanAgreementVersions.publishedAt), desc(loanAgreementVersions.label));
  return { inForce: versions[0]?.version ?? null, versions, canManage: can(ctx.actor, 'loanAgreement.manage', { trustId }) };
}

/** Publishes a new version: it is in force from now for loans signed from now on. Earlier signatures keep the text they signed. */
export async function publishAgreement(ctx: Ctx, raw: unknown) {
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'loanAgreement.manage', { trustId });
  const parsed = agreementInput.safeParse(raw);
  const errors: FieldErrors = parsed.success ? {} : toFieldErrors(parsed.error);
  return transaction(ctx.db, async (tx) => {
    if (parsed.success) {
      const [taken] = await tx
        .select({ id: loanAgreementVersions.id })
        .from(loanAgreementVersions)
        .where(and(eq(loanAgreementVersions.trustId, trustId), sql`lower(${loanAgreementVersions.label}) = ${parsed.data.label.toLowerCase()}`));
      if (taken) errors.label = `There is already a version labelled ${parsed.data.label}: give this one a new label`;
    }
    if (!parsed.success || Object.keys(errors).length) throw new ValidationError(errors);
    const { label, text } = parsed.data;
    const before = await agreementInForce(tx, trustId);
    const [version] = await tx
      .insert(loanAgreementVersions)
      .values({ trustId, label, text, contentSha256: sha256(text), publishedBy: personId(ctx) })
      .returning();
    if (!version) throw new Error('loan agreement version not saved');
    await recordEvent(tx, ctx, {
      action: 'loan_agreement.published',
      resourceType: 'loan_agreement_version',
      resourceId: version.id,
      summary: `Published version ${label} of the device loan agreement`,
      before: before ? { label: before.label, contentSha256: before.contentSha256 } : undefined,
      after: { label, contentSha256: version.contentSha256 },
    });
    return version;
  });
}

// ---------------------------------------------------------------------------------------------
// Issuing a loan

export const NO_AGREEMENT = 'Publish the trust’s device loan agreement before lending devices: people sign it when they take a device';

/** The issue form: the directory to choose from, and whether there is an agreement to sign. */
export async function issueForm(ctx: Ctx) {
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'loans.manage', { trustId });
  const [directory, agreement] = await Promise.all([currentPeopleOptions(ctx.db, trustId), agreementInForce(ctx.db, trustId)]);
  return { directory, agreement };
}

/** Why a device cannot be lent, in the words of the issue form's error; null when it can. */
function unavailable(asset: Pick<AssetRow, 'tag' | 'status'>, openLoan: string | undefined): string | null {
  if (openLoan) return `${asset.tag} is already on loan (${openLoan}): it can be lent again once it has been returned`;
  switch (asset.status) {
    case 'in_stock':
      return null;
    case 'on_loan':
      return `${asset.tag} is already on loan: it can be lent again once it has been returned`;
    case 'in_repair':
      return `${asset.tag} is in repair: mark it back in stock before lending it`;
    case 'lost':
      return `${asset.tag} is recorded as lost: it cannot be lent`;
    case 'stolen':
      return `${asset.tag} is recorded as stolen: it cannot be lent`;
    case 'disposed':
      return `${asset.tag} has been disposed of: it cannot be lent`;
  }
}

export const describeDevice = (a: { tag: string; serial: string; make: string | null; model: string | null }) =>
  `${a.tag}${a.make || a.model ? `: ${[a.make, a.model].filter(Boolean).join(' ')}` : ''} (serial number ${a.serial})`;

export async function orgNameOf(db: Db, trustId: string, schoolId: string | null): Promise<string> {
  if (schoolId) {
    const [school] = await db
      .select({ name: schools.name })
      .from(schools)
      .where(and(eq(schools.trustId, trustId), eq(schools.id, schoolId)));
    if (school) return school.name;
  }
  return (await findTrust(db, trustId))?.name ?? 'Countersign';
}

/**
 * Lends one or more devices to one person: the loan (waiting for their signature, reference
 * L-YYYY-NNNN), its items with the accessories issued, each device marked on loan with an event
 * in its history, the audit entry, and the email with a personal sign-in link to the signing page,
 * all in one transaction. Every device must be in stock and not on another loan; the devices are
 * locked while they are checked, so two loans of the same device cannot both succeed. Nothing is
 * saved when anything is wrong, and every problem is reported at its field.
 */
export async function issueLoan(ctx: Ctx, raw: Record<string, unknown>, now = new Date()) {
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'loans.manage', { trustId });
  const { input, errors } = parseIssueForm(raw);
  return transaction(ctx.db, async (tx) => {
    const agreement = await agreementInForce(tx, trustId);
    if (!agreement) errors.agreement = NO_AGREEMENT;
    const person = input.person ? await findPersonByReference(tx, trustId, input.person) : null;
    if (input.person && !person) errors.person = 'Choose a person from the directory: type their name or email address and pick them from the list';
    const [personRow] = person
      ? await tx
          .select()
          .from(people)
          .where(and(eq(people.trustId, trustId), eq(people.id, person.id)))
      : [];
    if (personRow?.endDate && personRow.endDate < londonToday(now)) errors.person = `${personRow.fullName} has left: devices can only be lent to current staff`;

    const chosen: { slot: number; asset: AssetRow; accessories: string[] }[] = [];
    for (const device of input.devices) {
      const key = device.ref.toLowerCase();
      const found = await tx
        .select()
        .from(assets)
        .where(and(eq(assets.trustId, trustId), or(sql`lower(${assets.tag}) = ${key}`, sql`lower(${assets.serial}) = ${key}`)))
        .for('update');
      const asset = found.find((a) => a.tag.toLowerCase() === key) ?? found[0];
      const field = `device-${device.slot}`;
      if (!asset) {
        errors[field] = `There is no device with the asset tag or serial number ${device.ref} in the register`;
        continue;
      }
      const twice = chosen.find((c) => c.asset.id === asset.id);
      if (twice) {
        errors[field] = `${asset.tag} is already in row ${twice.slot + 1}`;
        continue;
      }
      chosen.push({ slot: device.slot, asset, accessories: device.accessories });
    }
    const open = chosen.length
      ? await tx
          .select({ assetId: loanItems.assetId, reference: loans.reference })
          .from(loanItems)
          .innerJoin(loans, and(eq(loans.trustId, loanItems.trustId), eq(loans.id, loanItems.loanId)))
          .where(
            and(
              eq(loanItems.trustId, trustId),
              isNull(loanItems.returnedAt),
              inArray(
                loanItems.assetId,
                chosen.map((c) => c.asset.id),
              ),
            ),
          )
      : [];
    for (const c of chosen) {
      const field = `device-${c.slot}`;
      const why = unavailable(c.asset, open.find((o) => o.assetId === c.asset.id)?.reference);
      if (why) errors[field] = why;
      else if (!can(ctx.actor, 'loans.manage', { trustId, schoolIds: c.asset.schoolId ? [c.asset.schoolId] : [] }))
        errors[field] = `${c.asset.tag} belongs to ${c.asset.schoolId ? 'another school' : 'the trust'}: ask IT services there to lend it`;
    }
    if (Object.keys(errors).length || !agreement || !personRow) throw new ValidationError(errors);

    const schoolIds = [...new Set(chosen.map((c) => c.asset.schoolId))];
    const schoolId = schoolIds.length === 1 ? (schoolIds[0] ?? null) : null;
    const reference = await nextReference(tx, trustId, 'L', now);
    const [loan] = await tx
      .insert(loans)
      .values({
        trustId,
        reference,
        personId: personRow.id,
        schoolId,
        status: 'awaiting_signature',
        offSite: input.offSite,
        offSiteNote: input.offSiteNote,
        issuedBy: personId(ctx),
        issuedAt: now,
        agreementVersionId: agreement.id,
      })
      .returning();
    if (!loan) throw new Error('loan not saved');
    await tx.insert(loanItems).values(chosen.map((c) => ({ trustId, loanId: loan.id, assetId: c.asset.id, accessories: c.accessories })));
    for (const c of chosen)
      await setLoanStatus(tx, ctx, c.asset.id, 'on_loan', `Lent to ${personRow.fullName} on ${reference}`, { loanId: loan.id, reference });

    const link = await createSignInLink(tx, { trustId, personId: personRow.id, nextPath: loanUrl(reference, '/sign'), minutes: LINK_DAYS * 24 * 60 });
    await queueEmail(tx, {
      trustId,
      to: personRow.email,
      template: 'loan-issued',
      dedupeKey: `loan:${loan.id}:issued`,
      sensitive: true,
      ...loanIssuedEmail({
        name: personRow.fullName,
        orgName: await orgNameOf(tx, trustId, schoolId),
        reference,
        devices: chosen.map((c) => describeDevice(c.asset)),
        url: `${ctx.baseUrl}/sign-in/link?token=${encodeURIComponent(link.token)}`,
        linkDays: LINK_DAYS,
      }),
    });
    const tags = chosen.map((c) => c.asset.tag).join(', ');
    await recordEvent(tx, ctx, {
      action: 'loan.issued',
      resourceType: 'loan',
      resourceId: loan.id,
      summary: `Lent ${tags} to ${personRow.fullName} on ${reference}`,
      after: {
        reference,
        personId: personRow.id,
        items: chosen.map((c) => ({ tag: c.asset.tag, accessories: c.accessories })),
        offSite: input.offSite,
        agreement: agreement.label,
      },
    });
    return loan;
  });
}

// ---------------------------------------------------------------------------------------------
// Reading a loan

async function findLoan(db: Db, trustId: string, reference: string, lock = false): Promise<LoanRow> {
  if (!REFERENCE.test(reference)) throw new NotFoundError();
  const query = db
    .select()
    .from(loans)
    .where(and(eq(loans.trustId, trustId), eq(loans.reference, reference)));
  const [loan] = lock ? await query.for('update') : await query;
  if (!loan) throw new NotFoundError();
  return loan;
}

export type LoanItemView = Awaited<ReturnType<typeof itemsOf>>[number];

async function itemsOf(db: Db, trustId: string, loanId: string) {
  return db
    .select({
      assetId: assets.id,
      tag: assets.tag,
      serial: assets.serial,
      type: assets.type,
      make: assets.make,
      model: assets.model,
      assetStatus: assets.status,
      accessories: loanItems.accessories,
      returnedAt: loanItems.returnedAt,
      condition: loanItems.condition,
      accessoriesMissing: loanItems.accessoriesMissing,
      returnNote: loanItems.returnNote,
    })
    .from(loanItems)
    .innerJoin(assets, and(eq(assets.trustId, loanItems.trustId), eq(assets.id, loanItems.assetId)))
    .where(and(eq(loanItems.trustId, trustId), eq(loanItems.loanId, loanId)))
    .orderBy(asc(assets.tag));
}

async function personOf(db: Db, loan: LoanRow) {
  const [person] = await db
    .select({ id: people.id, fullName: people.fullName, email: people.email, position: people.position, lineManagerId: people.lineManagerId })
    .from(people)
    .where(and(eq(people.trustId, loan.trustId), eq(people.id, loan.personId)));
  if (!person) throw new NotFoundError();
  return person;
}

async function namesOf(db: Db, trustId: string, ids: (string | null)[]) {
  const wanted = [...new Set(ids.filter((id): id is string => !!id))];
  const rows = wanted.length
    ? await db
        .select({ id: people.id, name: people.fullName })
        .from(people)
        .where(and(eq(people.trustId, trustId), inArray(people.id, wanted)))
    : [];
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** Every device is back with IT, each with its condition recorded, and the person has not confirmed yet. */
export const returnRecorded = (loan: Pick<LoanRow, 'status'>, items: Pick<LoanItemView, 'condition' | 'returnedAt'>[]) =>
  (loan.status === 'active' || loan.status === 'return_requested') && items.length > 0 && items.every((i) => i.condition !== null && i.returnedAt === null);

export type HistoryEntry = { at: Date; title: string; by: string | null; text?: string };

/**
 * The loan's page: its facts, its devices, the clock when a return has been asked for, and its
 * history (from the loan's own fields: each step keeps who and when). The person it is lent to,
 * IT services and the head teacher of the devices' school may see it; another trust's is not found.
 */
export async function loanRecord(ctx: Ctx, reference: string) {
  const loan = await findLoan(ctx.db, ctx.actor.trustId, reference);
  authorize(ctx.actor, 'loans.view', loanResource(loan));
  const [items, person, agreement] = await Promise.all([
    itemsOf(ctx.db, loan.trustId, loan.id),
    personOf(ctx.db, loan),
    ctx.db
      .select({ label: loanAgreementVersions.label })
      .from(loanAgreementVersions)
      .where(and(eq(loanAgreementVersions.trustId, loan.trustId), eq(loanAgreementVersions.id, loan.agreementVersionId))),
  ]);
  const names = await namesOf(ctx.db, loan.trustId, [loan.issuedBy, loan.returnRequestedBy, loan.returnReceivedBy]);
  const signed = loan.signedSnapshot as SignedSnapshot | null;
  const returned = loan.returnSnapshot as ReturnSnapshot | null;
  const history: HistoryEntry[] = [
    {
      at: loan.issuedAt,
      title: `Lent to ${person.fullName}`,
      by: loan.issuedBy ? (names.get(loan.issuedBy) ?? null) : null,
      text: items.map(describeDevice).join('\n'),
    },
  ];
  if (loan.signedAt)
    history.push({
      at: loan.signedAt,
      title: `Loan agreement ${signed?.agreement.label ?? ''} signed`.replace('  ', ' '),
      by: loan.signedName,
      text:
        loan.signMethod === 'in_person'
          ? `Signed in person at the IT desk${signed?.signature.witnessedBy ? `, witnessed by ${signed.signature.witnessedBy.name}` : ''}`
          : 'Signed online by the person, signed in with their own account',
    });
  if (loan.status === 'cancelled') {
    const at = items.reduce<Date | null>((latest, i) => (i.returnedAt && (!latest || i.returnedAt > latest) ? i.returnedAt : latest), null);
    history.push({ at: at ?? loan.issuedAt, title: 'Cancelled before signing: the devices went back into stock', by: null });
  }
  if (loan.returnRequestedAt)
    history.push({
      at: loan.returnRequestedAt,
      title: 'Return requested',
      by: loan.returnRequestedBy ? (names.get(loan.returnRequestedBy) ?? null) : null,
      text: loan.returnReason ?? undefined,
    });
  if (loan.returnedAt)
    history.push({
      at: loan.returnedAt,
      title: 'Returned',
      by: loan.returnConfirmedName,
      text: `Received by ${returned?.receivedBy?.name ?? 'IT services'}. ${RETURN_DECLARATION}`,
    });
  return {
    loan,
    items,
    person,
    agreementLabel: agreement[0]?.label ?? '',
    names,
    history,
    isSelf: isSelf(ctx, loan),
    canManage: can(ctx.actor, 'loans.manage', loanResource(loan)),
    returnRecorded: returnRecorded(loan, items),
    receivedByName: loan.returnReceivedBy ? (names.get(loan.returnReceivedBy) ?? null) : null,
  };
}
export type LoanRecord = Awaited<ReturnType<typeof loanRecord>>;

// ---------------------------------------------------------------------------------------------
// Signing for the devices, and confirming their return: by the person, online or at the IT desk

export type SignMethod = 'email_link' | 'in_person';
export const SIGN_METHODS: Record<SignMethod, string> = {
  email_link: 'Online, by the person signed in with their own account',
  in_person: 'In person at the IT desk, witnessed by IT services',
};

type Witness = { id: string | null; name: string } | null;

/**
 * Who is at the keyboard: the person themselves (online), or IT services with the person in front
 * of them (`inPerson`, IT signed in; the person types their own name). Anyone else is refused.
 */
async function signerOf(ctx: Ctx, loan: LoanRow, inPerson: boolean): Promise<{ method: SignMethod; witness: Witness }> {
  if (isSelf(ctx, loan)) return { method: 'email_link', witness: null };
  authorize(ctx.actor, 'loans.view', loanResource(loan));
  if (!inPerson) throw new ForbiddenError('Only the person the devices are lent to can sign here. To sign with them at the IT desk, choose “Sign in person”.');
  authorize(ctx.actor, 'loans.manage', loanResource(loan));
  return { method: 'in_person', witness: { id: personId(ctx), name: actorLabel(ctx.actor) } };
}

export async function signingView(ctx: Ctx, reference: string, inPerson: boolean) {
  const loan = await findLoan(ctx.db, ctx.actor.trustId, reference);
  const signer = await signerOf(ctx, loan, inPerson);
  const [items, person, agreement] = await Promise.all([
    itemsOf(ctx.db, loan.trustId, loan.id),
    personOf(ctx.db, loan),
    agreementInForce(ctx.db, loan.trustId),
  ]);
  if (!agreement) throw new NotFoundError();
  return { loan, items, person, agreement, ...signer, declaration: LOAN_DECLARATION };
}
export type SigningView = Awaited<ReturnType<typeof signingView>>;

export type SignedSnapshot = {
  loan: { reference: string; organisation: string; issuedAt: string; offSite: boolean; offSiteNote: string | null };
  agreement: { id: string; label: string; text: string; sha256: string };
  declaration: string;
  items: { tag: string; serial: string; type: string; make: string | null; model: string | null; accessories: string[] }[];
  person: { id: string; name: string; email: string };
  signature: { typedName: string; signedAt: string; method: SignMethod; witnessedBy: Witness; ip: string | null; userAgent: string | null };
};

/** The SHA-256 of a snapshot: of its canonical JSON (keys sorted), so the stored JSON re-hashes to the same value. */
export const snapshotSha256 = (snapshot: unknown) => sha256(canonicalJson(snapshot));

function signatureErrors(raw: unknown, fullName: string, what: string): { typedName: string; errors: FieldErrors } {
  const parsed = signatureInput.safeParse(raw);
  const errors: FieldErrors = parsed.success ? {} : toFieldErrors(parsed.error);
  if (errors.agree) errors.agree = `Tick the declaration to ${what}`;
  const typedName = parsed.success ? parsed.data.typedName : String((raw as Record<string, unknown> | null)?.typedName ?? '').trim();
  if (typedName && !errors.typedName && normaliseName(typedName) !== normaliseName(fullName))
    errors.typedName = `Type the full name as it is on record: ${fullName}`;
  return { typedName, errors };
}

/**
 * The person signs the loan agreement in force for the devices listed: the declaration ticked and
 * their full name typed as it is on record. The loan becomes active, and it keeps exactly what was
 * signed (the agreement's text and hash, every device's serial and accessories, who, when, how,
 * from where) as a snapshot with its SHA-256.
 */
export async function signLoan(ctx: Ctx, reference: string, raw: unknown, inPerson: boolean, now = new Date()) {
  const view = await signingView(ctx, reference, inPerson);
  if (view.loan.status !== 'awaiting_signature') throw new LoanStateError(alreadyMessage(view.loan.status, 'signed'), reference);
  const { typedName, errors } = signatureErrors(raw, view.person.fullName, 'sign for the devices');
  if (Object.keys(errors).length) throw new ValidationError(errors);
  return transaction(ctx.db, async (tx) => {
    const loan = await findLoan(tx, ctx.actor.trustId, reference, true);
    if (loan.status !== 'awaiting_signature') throw new LoanStateError(alreadyMessage(loan.status, 'signed'), reference);
    const agreement = await agreementInForce(tx, loan.trustId);
    if (!agreement) throw new NotFoundError();
    if (sha256(agreement.text) !== agreement.contentSha256) throw new Error(`loan agreement ${agreement.id} no longer matches its recorded hash`);
    const items = await itemsOf(tx, loan.trustId, loan.id);
    const snapshot: SignedSnapshot = {
      loan: {
        reference,
        organisation: await orgNameOf(tx, loan.trustId, loan.schoolId),
        issuedAt: loan.issuedAt.toISOString(),
        offSite: loan.offSite,
        offSiteNote: loan.offSiteNote,
      },
      agreement: { id: agreement.id, label: agreement.label, text: agreement.text, sha256: agreement.contentSha256 },
      declaration: LOAN_DECLARATION,
      items: items.map((i) => ({ tag: i.tag, serial: i.serial, type: i.type, make: i.make, model: i.model, accessories: i.accessories })),
      person: { id: view.person.id, name: view.person.fullName, email: view.person.email },
      signature: {
        typedName,
        signedAt: now.toISOString(),
        method: view.method,
        witnessedBy: view.witness,
        ip: ctx.ip ?? null,
        userAgent: ctx.userAgent ?? null,
      },
    };
    const digest = snapshotSha256(snapshot);
    const [signed] = await tx
      .update(loans)
      .set({
        status: 'active',
        agreementVersionId: agreement.id,
        signedAt: now,
        signMethod: view.method,
        signedName: typedName,
        signedIp: ctx.ip ?? null,
        signedUserAgent: ctx.userAgent ?? null,
        signedSnapshot: snapshot,
        signedSha256: digest,
      })
      .where(and(eq(loans.trustId, loan.trustId), eq(loans.id, loan.id)))
      .returning();
    for (const i of items)
      await assetEvent(tx, ctx, i.assetId, 'loan_signed', `${view.person.fullName} signed for it on ${reference}`, { loanId: loan.id, reference });
    await recordEvent(tx, ctx, {
      action: 'loan.signed',
      resourceType: 'loan',
      resourceId: loan.id,
      summary:
        view.method === 'in_person'
          ? `${view.person.fullName} signed loan ${reference} in person (agreement ${agreement.label})`
          : `Signed loan ${reference} (agreement ${agreement.label})`,
      after: { reference, method: view.method, agreement: agreement.label, signedSha256: digest },
    });
    return signed as LoanRow;
  });
}

function alreadyMessage(status: LoanStatus, step: 'signed' | 'returned'): string {
  if (status === 'cancelled') return 'This loan was cancelled before it was signed: there is nothing to sign.';
  if (status === 'returned') return 'These devices have been returned: the loan is closed.';
  if (step === 'signed') return 'This loan has already been signed for.';
  return 'This loan has not been signed for yet.';
}

// ---------------------------------------------------------------------------------------------
// Cancelling before signing

/** Before the person signs, IT may cancel the loan: the devices go back into stock and are free to lend. */
export async function cancelLoan(ctx: Ctx, reference: string, now = new Date()) {
  const pre = await findLoan(ctx.db, ctx.actor.trustId, reference);
  authorize(ctx.actor, 'loans.manage', loanResource(pre));
  return transaction(ctx.db, async (tx) => {
    const loan = await findLoan(tx, ctx.actor.trustId, reference, true);
    if (loan.status !== 'awaiting_signature')
      throw new LoanStateError(
        loan.status === 'cancelled'
          ? 'This loan has already been cancelled.'
          : 'Only a loan waiting for its signature can be cancelled: ask for the devices back instead.',
        reference,
      );
    const items = await itemsOf(tx, loan.trustId, loan.id);
    await tx
      .update(loans)
      .set({ status: 'cancelled' })
      .where(and(eq(loans.trustId, loan.trustId), eq(loans.id, loan.id)));
    // The items close too, so the devices can go on another loan (one open loan per device).
    await tx
      .update(loanItems)
      .set({ returnedAt: now })
      .where(and(eq(loanItems.trustId, loan.trustId), eq(loanItems.loanId, loan.id)));
    for (const i of items)
      await setLoanStatus(tx, ctx, i.assetId, 'in_stock', `Loan ${reference} cancelled before signing: back in stock`, {
        loanId: loan.id,
        reference,
      });
    await recordEvent(tx, ctx, {
      action: 'loan.cancelled',
      resourceType: 'loan',
      resourceId: loan.id,
      summary: `Cancelled loan ${reference} before signing: ${items.map((i) => i.tag).join(', ')} back in stock`,
      before: { status: loan.status },
      after: { status: 'cancelled' },
    });
    return loan;
  });
}

// ---------------------------------------------------------------------------------------------
// Asking for the devices back: the 72-hour clock

export async function requestReturn(ctx: Ctx, reference: string, raw: unknown, now = new Date()) {
  const pre = await findLoan(ctx.db, ctx.actor.trustId, reference);
  authorize(ctx.actor, 'loans.manage', loanResource(pre));
  const parsed = requestReturnInput.safeParse(raw);
  if (!parsed.success) throw new ValidationError(toFieldErrors(parsed.error));
  const reason = parsed.data.reason ?? null;
  return transaction(ctx.db, async (tx) => {
    const loan = await findLoan(tx, ctx.actor.trustId, reference, true);
    if (loan.status !== 'active') throw new LoanStateError(returnRequestRefusal(loan.status), reference);
    const dueAt = new Date(now.getTime() + RETURN_HOURS * HOUR_MS);
    const [updated] = await tx
      .update(loans)
      .set({ status: 'return_requested', returnRequestedAt: now, returnDueAt: dueAt, returnRequestedBy: personId(ctx), returnReason: reason })
      .where(and(eq(loans.trustId, loan.trustId), eq(loans.id, loan.id)))
      .returning();
    const [items, person] = await Promise.all([itemsOf(tx, loan.trustId, loan.id), personOf(tx, loan)]);
    for (const i of items)
      await assetEvent(tx, ctx, i.assetId, 'return_requested', `Return requested from ${person.fullName} on ${reference}`, {
        loanId: loan.id,
        reference,
        dueAt: dueAt.toISOString(),
      });
    await queueEmail(tx, {
      trustId: loan.trustId,
      to: person.email,
      template: 'loan-return-requested',
      dedupeKey: `loan:${loan.id}:return-requested`,
      ...returnRequestedEmail({
        name: person.fullName,
        orgName: await orgNameOf(tx, loan.trustId, loan.schoolId),
        reference,
        dueAt,
        reason,
        url: `${ctx.baseUrl}${loanUrl(reference)}`,
      }),
    });
    await recordEvent(tx, ctx, {
      action: 'loan.return_requested',
      resourceType: 'loan',
      resourceId: loan.id,
      summary: `Asked ${person.fullName} to return the devices on ${reference} within 72 hours`,
      before: { status: loan.status },
      after: { status: 'return_requested', returnDueAt: dueAt.toISOString(), reason },
    });
    return updated as LoanRow;
  });
}

function returnRequestRefusal(status: LoanStatus): string {
  if (status === 'awaiting_signature') return 'The loan has not been signed for yet: cancel it instead to put the devices back into stock.';
  if (status === 'return_requested') return 'The return has already been requested: the clock is running.';
  return alreadyMessage(status, 'returned');
}

// ---------------------------------------------------------------------------------------------
// The return: IT records each device, the person confirms

/** The return form: the devices still out on the loan and what was issued with each. IT services only. */
export async function returnForm(ctx: Ctx, reference: string) {
  const record = await loanRecord(ctx, reference);
  authorize(ctx.actor, 'loans.manage', loanResource(record.loan));
  if (record.loan.status !== 'active' && record.loan.status !== 'return_requested') throw new LoanStateError(returnRefusal(record.loan.status), reference);
  return record;
}

function returnRefusal(status: LoanStatus): string {
  if (status === 'awaiting_signature') return 'The loan has not been signed for yet: cancel it instead to put the devices back into stock.';
  if (status === 'cancelled') return 'This loan was cancelled: its devices are not on loan.';
  return 'These devices have already been returned: the loan is closed.';
}

/**
 * IT records what came back: for every device on the loan, its condition, which of the
 * accessories issued with it were handed back (the rest are recorded as missing) and a note. A
 * device that is not on this loan, or has already been returned, is refused; so is a return that
 * leaves out a device still on the loan. Recording it again before the person confirms replaces it.
 */
export async function recordReturn(ctx: Ctx, reference: string, raw: Record<string, unknown>) {
  const pre = await findLoan(ctx.db, ctx.actor.trustId, reference);
  authorize(ctx.actor, 'loans.manage', loanResource(pre));
  const { devices, errors } = parseReturnForm(raw);
  return transaction(ctx.db, async (tx) => {
    const loan = await findLoan(tx, ctx.actor.trustId, reference, true);
    if (loan.status !== 'active' && loan.status !== 'return_requested') throw new LoanStateError(returnRefusal(loan.status), reference);
    const items = await itemsOf(tx, loan.trustId, loan.id);
    const matched = new Map<string, (typeof devices)[number]>();
    for (const d of devices) {
      const item = items.find((i) => i.tag.toLowerCase() === d.tag.toLowerCase() || i.serial.toLowerCase() === d.tag.toLowerCase());
      const field = `device-${d.slot}`;
      if (!item) errors[field] = `${d.tag} is not on loan ${reference}: only the devices lent on it can be returned here`;
      else if (item.returnedAt) errors[field] = `${item.tag} has already been returned`;
      else if (matched.has(item.assetId)) errors[field] = `${item.tag} is listed twice`;
      else matched.set(item.assetId, d);
    }
    const left = items.filter((i) => !i.returnedAt && !matched.has(i.assetId));
    if (left.length && !errors.form)
      errors.form = `Record every device on the loan: ${left.map((i) => i.tag).join(', ')} ${left.length === 1 ? 'is' : 'are'} not in this return. If a device was lost or stolen, report it first.`;
    if (Object.keys(errors).length) throw new ValidationError(errors);
    const person = await personOf(tx, loan);
    const recorded: Record<string, unknown>[] = [];
    for (const item of items) {
      const d = matched.get(item.assetId);
      if (!d) continue;
      const handedBack = new Set(d.handedBack);
      const missing = item.accessories.filter((a) => !handedBack.has(a));
      await tx
        .update(loanItems)
        .set({ condition: d.condition, accessoriesMissing: missing, returnNote: d.note })
        .where(and(eq(loanItems.trustId, loan.trustId), eq(loanItems.loanId, loan.id), eq(loanItems.assetId, item.assetId)));
      await assetEvent(
        tx,
        ctx,
        item.assetId,
        'return_recorded',
        `Handed back by ${person.fullName} on ${reference}: ${CONDITIONS[d.condition].toLowerCase()}${missing.length ? `, missing ${missing.join(', ')}` : ''}`,
        { loanId: loan.id, reference, condition: d.condition, missing },
      );
      recorded.push({ tag: item.tag, condition: d.condition, missing, note: d.note });
    }
    await tx
      .update(loans)
      .set({ returnReceivedBy: personId(ctx) })
      .where(and(eq(loans.trustId, loan.trustId), eq(loans.id, loan.id)));
    const missingCount = recorded.reduce((n, r) => n + (r.missing as string[]).length, 0);
    await recordEvent(tx, ctx, {
      action: 'loan.returned',
      resourceType: 'loan',
      resourceId: loan.id,
      summary: `Recorded the devices handed back on ${reference}${missingCount ? ` (${missingCount} missing)` : ''}: waiting for ${person.fullName} to confirm`,
      after: { items: recorded },
    });
    return loan;
  });
}

export async function confirmView(ctx: Ctx, reference: string, inPerson: boolean) {
  const loan = await findLoan(ctx.db, ctx.actor.trustId, reference);
  const signer = await signerOf(ctx, loan, inPerson);
  const [items, person] = await Promise.all([itemsOf(ctx.db, loan.trustId, loan.id), personOf(ctx.db, loan)]);
  const names = await namesOf(ctx.db, loan.trustId, [loan.returnReceivedBy]);
  return {
    loan,
    items,
    person,
    ...signer,
    ready: returnRecorded(loan, items),
    receivedByName: loan.returnReceivedBy ? (names.get(loan.returnReceivedBy) ?? null) : null,
    declaration: RETURN_DECLARATION,
  };
}
export type ConfirmView = Awaited<ReturnType<typeof confirmView>>;

export type ReturnSnapshot = {
  loan: { reference: string; organisation: string; signedSha256: string | null; returnRequestedAt: string | null; returnDueAt: string | null };
  person: { id: string; name: string; email: string };
  items: {
    tag: string;
    serial: string;
    make: string | null;
    model: string | null;
    condition: Condition;
    accessoriesIssued: string[];
    accessoriesReturned: string[];
    accessoriesMissing: string[];
    note: string | null;
    assetStatusAfter: AssetStatus;
  }[];
  receivedBy: { id: string | null; name: string } | null;
  declaration: string;
  confirmation: { typedName: string; confirmedAt: string; method: SignMethod; witnessedBy: Witness; ip: string | null; userAgent: string | null };
};

/** After a return: a damaged or faulty device goes to repair; anything else back into stock. */
export const statusAfterReturn = (condition: Condition): AssetStatus => (condition === 'damaged' || condition === 'faulty' ? 'in_repair' : 'in_stock');

/**
 * The person confirms the return (online, or in person at the IT desk): school data removed from
 * their personal devices and accounts, and everything listed handed back. The loan closes: each
 * item is returned, each device goes back into stock (or to repair when it came back damaged or
 * faulty), and the loan keeps what was confirmed as a snapshot with its SHA-256.
 */
export async function confirmReturn(ctx: Ctx, reference: string, raw: unknown, inPerson: boolean, now = new Date()) {
  const view = await confirmView(ctx, reference, inPerson);
  if (!view.ready) throw new LoanStateError(confirmRefusal(view.loan.status), reference);
  const { typedName, errors } = signatureErrors(raw, view.person.fullName, 'confirm the return');
  if (Object.keys(errors).length) throw new ValidationError(errors);
  return transaction(ctx.db, async (tx) => {
    const loan = await findLoan(tx, ctx.actor.trustId, reference, true);
    const items = await itemsOf(tx, loan.trustId, loan.id);
    if (!returnRecorded(loan, items)) throw new LoanStateError(confirmRefusal(loan.status), reference);
    const receiver = loan.returnReceivedBy ? ((await namesOf(tx, loan.trustId, [loan.returnReceivedBy])).get(loan.returnReceivedBy) ?? null) : null;
    const snapshot: ReturnSnapshot = {
      loan: {
        reference,
        organisation: await orgNameOf(tx, loan.trustId, loan.schoolId),
        signedSha256: loan.signedSha256,
        returnRequestedAt: loan.returnRequestedAt?.toISOString() ?? null,
        returnDueAt: loan.returnDueAt?.toISOString() ?? null,
      },
      person: { id: view.person.id, name: view.person.fullName, email: view.person.email },
      items: items.map((i) => {
        const missing = i.accessoriesMissing ?? [];
        return {
          tag: i.tag,
          serial: i.serial,
          make: i.make,
          model: i.model,
          condition: i.condition as Condition,
          accessoriesIssued: i.accessories,
          accessoriesReturned: i.accessories.filter((a) => !missing.includes(a)),
          accessoriesMissing: missing,
          note: i.returnNote,
          assetStatusAfter: statusAfterReturn(i.condition as Condition),
        };
      }),
      receivedBy: receiver ? { id: loan.returnReceivedBy, name: receiver } : null,
      declaration: RETURN_DECLARATION,
      confirmation: {
        typedName,
        confirmedAt: now.toISOString(),
        method: view.method,
        witnessedBy: view.witness,
        ip: ctx.ip ?? null,
        userAgent: ctx.userAgent ?? null,
      },
    };
    const digest = snapshotSha256(snapshot);
    const [closed] = await tx
      .update(loans)
      .set({ status: 'returned', returnedAt: now, returnConfirmedName: typedName, returnSnapshot: snapshot, returnSha256: digest })
      .where(and(eq(loans.trustId, loan.trustId), eq(loans.id, loan.id)))
      .returning();
    await tx
      .update(loanItems)
      .set({ returnedAt: now })
      .where(and(eq(loanItems.trustId, loan.trustId), eq(loanItems.loanId, loan.id), isNull(loanItems.returnedAt)));
    for (const i of items) {
      const after = statusAfterReturn(i.condition as Condition);
      await setLoanStatus(
        tx,
        ctx,
        i.assetId,
        after as 'in_stock' | 'in_repair',
        after === 'in_repair'
          ? `Returned on ${reference} ${CONDITIONS[i.condition as Condition].toLowerCase()}: sent for repair`
          : `Returned on ${reference}: back in stock`,
        { loanId: loan.id, reference },
      );
    }
    const missing = snapshot.items.flatMap((i) => i.accessoriesMissing.map((a) => `${i.tag} ${a.toLowerCase()}`));
    await recordEvent(tx, ctx, {
      action: 'loan.returned',
      resourceType: 'loan',
      resourceId: loan.id,
      summary: `${view.person.fullName} confirmed the return of ${items.map((i) => i.tag).join(', ')} on ${reference}${missing.length ? `; missing: ${missing.join(', ')}` : ''}`,
      before: { status: loan.status },
      after: { status: 'returned', method: view.method, returnSha256: digest },
    });
    return closed as LoanRow;
  });
}

function confirmRefusal(status: LoanStatus): string {
  if (status === 'returned') return 'The return has already been confirmed: the loan is closed.';
  if (status === 'cancelled') return 'This loan was cancelled: there is nothing to return.';
  if (status === 'awaiting_signature') return 'The loan has not been signed for yet.';
  return 'IT services have not recorded the devices handed back yet: bring them to the IT desk first.';
}

// ---------------------------------------------------------------------------------------------
// Receipts

/** What a receipt is built from: the signed (or return) snapshot, never the live rows. Both sides may download it. */
export async function receiptFor(ctx: Ctx, reference: string, kind: 'loan' | 'return') {
  const loan = await findLoan(ctx.db, ctx.actor.trustId, reference);
  authorize(ctx.actor, 'loans.view', loanResource(loan));
  const trust = await findTrust(ctx.db, loan.trustId);
  if (kind === 'loan') {
    if (!loan.signedSnapshot || !loan.signedSha256) throw new NotFoundError('The receipt is ready once the loan agreement has been signed');
    return { kind, reference, trustName: trust?.name ?? '', signed: loan.signedSnapshot as SignedSnapshot, signedSha256: loan.signedSha256 } as const;
  }
  if (!loan.returnSnapshot || !loan.returnSha256) throw new NotFoundError('The return receipt is ready once the return has been confirmed');
  return { kind, reference, trustName: trust?.name ?? '', returned: loan.returnSnapshot as ReturnSnapshot, returnSha256: loan.returnSha256 } as const;
}

// ---------------------------------------------------------------------------------------------
// Lists: the person's own loans, overdue returns

/** The signed-in person's loans still open: to sign, on loan, return requested or handed back and waiting for their confirmation. */
export async function myLoans(ctx: Ctx) {
  if (ctx.actor.type !== 'person') return [];
  const { trustId, personId: me } = ctx.actor;
  authorize(ctx.actor, 'loans.view', { trustId, personId: me });
  const rows = await ctx.db
    .select()
    .from(loans)
    .where(and(eq(loans.trustId, trustId), eq(loans.personId, me), inArray(loans.status, ['awaiting_signature', 'active', 'return_requested'])))
    .orderBy(desc(loans.issuedAt));
  return Promise.all(
    rows.map(async (loan) => {
      const items = await itemsOf(ctx.db, trustId, loan.id);
      return { loan, items, returnRecorded: returnRecorded(loan, items) };
    }),
  );
}
export type MyLoan = Awaited<ReturnType<typeof myLoans>>[number];

/** SQL: some device of the loan has not been recorded as handed back yet. */
export const notYetHandedBack = sql`exists (select 1 from ${loanItems} li where li.trust_id = ${loans.trustId} and li.loan_id = ${loans.id} and li.condition is null and li.returned_at is null)`;

/** Loans whose return is overdue (the 72 hours have passed and IT has not recorded the return), in the actor's schools. */
export async function overdueLoans(ctx: Ctx, now = new Date()) {
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'loans.manage', { trustId });
  const rows = await ctx.db
    .select({ loan: loans, personName: people.fullName })
    .from(loans)
    .innerJoin(people, and(eq(people.trustId, loans.trustId), eq(people.id, loans.personId)))
    .where(and(eq(loans.trustId, trustId), eq(loans.status, 'return_requested'), lt(loans.returnDueAt, now), notYetHandedBack))
    .orderBy(asc(loans.returnDueAt));
  return rows.filter((r) => can(ctx.actor, 'loans.manage', loanResource(r.loan)));
}
