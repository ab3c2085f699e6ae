import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { recordEvent, recordEvents } from '../../../audit/audit.ts';
import type { Ctx } from '../../../context.ts';
import { type Db, transaction } from '../../../db/client.ts';
import { NotFoundError, ValidationError } from '../../../errors.ts';
import { londonToday } from '../../../ui/format.ts';
import { isUuid } from '../../../validation.ts';
import { authorize } from '../../auth/authorize.ts';
import * as repo from '../repository.ts';
import { importBatches, people, personSchools } from '../schema.ts';
import { personSnapshot, setSchools } from '../service.ts';
import {
  changeCount,
  decodeCsv,
  type ExistingPerson,
  type ImportPlan,
  type ManagerRef,
  type PlanOptions,
  parsePeopleCsv,
  planCounts,
  planDigest,
  planImport,
  type TrustState,
} from './csv.ts';

export type Upload = { fileName: string; content: Uint8Array; endDateMissing: boolean };
export type ImportPreview = { fileName: string; endDateMissing: boolean; plan: ImportPlan; batchId: string | null };
export type ImportCounts = ReturnType<typeof planCounts>;

type BatchOptions = { endDateMissing: boolean };
type BatchSummary = ImportCounts & { planDigest: string };

const CHUNK = 500;
const chunks = <T>(items: T[]) => Array.from({ length: Math.ceil(items.length / CHUNK) }, (_, i) => items.slice(i * CHUNK, (i + 1) * CHUNK));

/** Browsers may send a full path ("C:\fakepath\staff.csv"); only the name itself is kept. */
const cleanFileName = (name: string) => path.posix.basename(name.replace(/\\/g, '/')).trim().slice(0, 200) || 'people.csv';

async function loadState(db: Db, trustId: string): Promise<TrustState> {
  const rows = await db.select().from(people).where(eq(people.trustId, trustId));
  const memberships = await db
    .select({ personId: personSchools.personId, schoolId: personSchools.schoolId })
    .from(personSchools)
    .where(eq(personSchools.trustId, trustId));
  const schools = await repo.listSchools(db, trustId);
  const schoolIds = new Map<string, string[]>();
  for (const m of memberships) {
    const list = schoolIds.get(m.personId);
    if (list) list.push(m.schoolId);
    else schoolIds.set(m.personId, [m.schoolId]);
  }
  return { people: rows.map((p) => ({ ...p, schoolIds: schoolIds.get(p.id) ?? [] })), schools };
}

const planOptions = (ctx: Ctx, endDateMissing: boolean): PlanOptions => ({
  endDateMissing,
  today: londonToday(),
  actorPersonId: ctx.actor.type === 'person' ? ctx.actor.personId : null,
});

async function readAndPlan(ctx: Ctx, upload: Upload) {
  authorize(ctx.actor, 'people.import', { trustId: ctx.actor.trustId });
  const text = decodeCsv(upload.content);
  const file = parsePeopleCsv(text);
  const plan = planImport(file, await loadState(ctx.db, ctx.actor.trustId), planOptions(ctx, upload.endDateMissing));
  const preview: ImportPreview = { fileName: cleanFileName(upload.fileName), endDateMissing: upload.endDateMissing, plan, batchId: null };
  return { text, preview };
}

/** What importing the file would do, without keeping anything (the command line's --dry-run). */
export async function checkImport(ctx: Ctx, upload: Upload): Promise<ImportPreview> {
  return (await readAndPlan(ctx, upload)).preview;
}

/**
 * What importing the file would do. When it can be applied, the file is kept as an import batch
 * until the admin decides, so what they apply is exactly what they checked.
 */
export async function previewImport(ctx: Ctx, upload: Upload): Promise<ImportPreview> {
  const { text, preview } = await readAndPlan(ctx, upload);
  const { plan } = preview;
  if (plan.rowErrors.length > 0 || changeCount(plan) === 0) return preview;
  const summary: BatchSummary = { ...planCounts(plan), planDigest: planDigest(plan) };
  const options: BatchOptions = { endDateMissing: upload.endDateMissing };
  const [batch] = await ctx.db
    .insert(importBatches)
    .values({
      trustId: ctx.actor.trustId,
      kind: 'people',
      fileName: preview.fileName,
      fileSha256: createHash('sha256').update(upload.content).digest('hex'),
      content: text,
      options,
      summary,
      createdBy: ctx.actor.type === 'person' ? ctx.actor.personId : null,
    })
    .returning({ id: importBatches.id });
  if (!batch) throw new Error('insert returned nothing');
  return { ...preview, batchId: batch.id };
}

/**
 * Applies a previewed file, all or nothing. The file is planned again against the people as they
 * are now, and refused if the result is not what the admin saw.
 */
export async function applyImport(ctx: Ctx, batchId: string): Promise<ImportCounts> {
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'people.import', { trustId });
  if (!isUuid(batchId)) throw new NotFoundError();
  return transaction(ctx.db, async (tx) => {
    // The row lock makes a second, simultaneous apply of the same batch wait here and then see it applied.
    const [batch] = await tx
      .select()
      .from(importBatches)
      .where(and(eq(importBatches.trustId, trustId), eq(importBatches.id, batchId), eq(importBatches.kind, 'people')))
      .for('update');
    if (!batch) throw new NotFoundError();
    if (batch.status !== 'previewed') throw new ValidationError({ file: 'This file has already been imported. To import it again, upload it again.' });
    const state = await loadState(tx, trustId);
    const plan = planImport(parsePeopleCsv(batch.content), state, planOptions(ctx, (batch.options as BatchOptions).endDateMissing));
    const digest = planDigest(plan);
    if (plan.rowErrors.length > 0 || digest !== (batch.summary as BatchSummary | null)?.planDigest)
      throw new ValidationError({
        file: 'People in Countersign, or the date, have changed since this file was checked, so nothing was imported. Upload the file again to check what it will do now.',
      });
    await writePlan(tx, ctx, plan, state);
    const counts = planCounts(plan);
    const summary: BatchSummary = { ...counts, planDigest: digest };
    await tx
      .update(importBatches)
      .set({ status: 'applied', appliedAt: new Date(), summary })
      .where(and(eq(importBatches.trustId, trustId), eq(importBatches.id, batch.id)));
    await recordEvent(tx, ctx, {
      action: 'people.imported',
      resourceType: 'import_batch',
      resourceId: batch.id,
      summary: `Imported people from ${batch.fileName}: ${counts.added} added, ${counts.updated} updated, ${counts.unchanged} unchanged, ${counts.endDated} recorded as left`,
      after: { ...counts, fileName: batch.fileName, sha256: batch.fileSha256 },
    });
    return counts;
  });
}

async function writePlan(tx: Db, ctx: Ctx, plan: ImportPlan, state: TrustState) {
  const trustId = ctx.actor.trustId;
  const person = (id: string) => and(eq(people.trustId, trustId), eq(people.id, id));
  const before = new Map(state.people.map((p) => [p.id, p]));
  const newIds = new Map(plan.creates.map((c) => [c.line, randomUUID()]));
  const idOf = (ref: ManagerRef) => ('personId' in ref ? ref.personId : (newIds.get(ref.line) as string));

  // Changing addresses are parked first, so two people swapping addresses never hold the same one half-way.
  for (const u of plan.updates)
    if (u.fields.email)
      await tx
        .update(people)
        .set({ email: `${u.personId}@import.invalid` })
        .where(person(u.personId));

  // First pass: everyone exists, without line managers, who may be further down the file.
  for (const part of chunks(plan.creates)) {
    await tx.insert(people).values(part.map((c) => ({ id: newIds.get(c.line), trustId, ...c.fields })));
    const memberships = part.flatMap((c) => c.schoolIds.map((schoolId) => ({ trustId, personId: newIds.get(c.line) as string, schoolId })));
    for (const rows of chunks(memberships)) await tx.insert(personSchools).values(rows);
  }
  for (const u of plan.updates) {
    await tx
      .update(people)
      .set({ ...u.fields, updatedAt: new Date() })
      .where(person(u.personId));
    if (u.schoolIds) await setSchools(tx, trustId, u.personId, u.schoolIds);
  }
  // Second pass: line managers, now that they all exist; one statement per chunk keeps big files quick.
  const managers = [
    ...plan.creates.flatMap((c) => (c.lineManager ? [[newIds.get(c.line) as string, idOf(c.lineManager)] as const] : [])),
    ...plan.updates.flatMap((u) => (u.lineManager !== undefined ? [[u.personId, u.lineManager ? idOf(u.lineManager) : null] as const] : [])),
  ];
  for (const part of chunks(managers)) {
    const values = sql.join(
      part.map(([id, manager]) => sql`(${id}::uuid, ${manager}::uuid)`),
      sql`, `,
    );
    await tx.execute(
      sql`update ${people} set line_manager_id = v.manager from (values ${values}) as v(id, manager) where ${people.trustId} = ${trustId} and ${people.id} = v.id`,
    );
  }
  for (const part of chunks(plan.leavers))
    await tx
      .update(people)
      .set({ endDate: plan.today, updatedAt: new Date() })
      .where(
        and(
          eq(people.trustId, trustId),
          inArray(
            people.id,
            part.map((l) => l.personId),
          ),
        ),
      );

  // The audit trail gets the same events, with the same snapshots, as changes made one by one.
  const touched = [...newIds.values(), ...plan.updates.map((u) => u.personId)];
  const after = new Map<string, repo.PersonRow>();
  for (const ids of chunks(touched))
    for (const row of await tx
      .select()
      .from(people)
      .where(and(eq(people.trustId, trustId), inArray(people.id, ids))))
      after.set(row.id, row);
  await recordEvents(tx, ctx, [
    ...plan.creates.map((c) => {
      const id = newIds.get(c.line) as string;
      return {
        action: 'person.created' as const,
        resourceType: 'person',
        resourceId: id,
        summary: `Added ${c.fields.fullName}`,
        after: personSnapshot(after.get(id) as repo.PersonRow, c.schoolIds),
      };
    }),
    ...plan.updates.map((u) => {
      const old = before.get(u.personId) as ExistingPerson;
      return {
        action: 'person.updated' as const,
        resourceType: 'person',
        resourceId: u.personId,
        summary: `Changed ${u.fullName}`,
        before: personSnapshot(old, old.schoolIds),
        after: personSnapshot(after.get(u.personId) as repo.PersonRow, u.schoolIds ?? old.schoolIds),
      };
    }),
    ...plan.leavers.map((l) => ({
      action: 'person.end_dated' as const,
      resourceType: 'person',
      resourceId: l.personId,
      summary: `End-dated ${l.fullName} from ${l.endDate}`,
      before: { endDate: before.get(l.personId)?.endDate ?? null },
      after: { endDate: l.endDate },
    })),
  ]);
}
