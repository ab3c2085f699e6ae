import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ValidationError } from '../../../errors.ts';
import { formatDateTime } from '../../../ui/format.ts';
import type { FormValues } from '../../../ui/forms.tsx';
import { redirectWithFlash, renderPage } from '../../../web/render.tsx';
import { loanReceiptPdf, returnReceiptPdf } from './receipts.ts';
import * as service from './service.ts';
import { LoanStateError, loanUrl } from './service.ts';
import { slotCount } from './validation.ts';
import { AgreementPage, CancelPage, ConfirmReturnPage, IssuePage, LoanPage, LoanRefusalPage, RequestReturnPage, ReturnPage, SigningPage } from './views.tsx';

type Body = Record<string, string | string[] | undefined>;

const body = (request: FastifyRequest) => (request.body ?? {}) as Body;
const ref = (request: FastifyRequest) => (request.params as { ref: string }).ref;
const inPerson = (request: FastifyRequest) => (request.query as { in_person?: string } | undefined)?.in_person === '1';

/** Runs a step; a loan that cannot take it answers 409 with a way back to the loan. */
async function orRefuse(request: FastifyRequest, reply: FastifyReply, step: () => Promise<FastifyReply>) {
  try {
    return await step();
  } catch (error) {
    if (!(error instanceof LoanStateError)) throw error;
    return renderPage(request, reply, <LoanRefusalPage message={error.message} reference={error.reference} />, 409);
  }
}

function sendPdf(reply: FastifyReply, bytes: Uint8Array, filename: string) {
  return reply
    .header('content-type', 'application/pdf')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .header('cache-control', 'private, no-store')
    .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

export async function loanRoutes(app: FastifyInstance) {
  // The loan agreement: read by anyone of the trust, published by IT services or an administrator.
  app.get('/loans/agreement', async (request, reply) => {
    const data = await service.agreementPage(request.ctx());
    return renderPage(request, reply, <AgreementPage data={data} />);
  });

  app.post('/loans/agreement', async (request, reply) => {
    const ctx = request.ctx();
    try {
      const version = await service.publishAgreement(ctx, body(request));
      return redirectWithFlash(reply, '/loans/agreement', `Version ${version.label} of the loan agreement is now in force`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const data = await service.agreementPage(ctx);
      return renderPage(request, reply, <AgreementPage data={data} errors={error.fieldErrors} values={body(request)} />, 422);
    }
  });

  // Lending devices. "Add another device" posts the form back with one more row, everything kept.
  app.get('/loans/new', async (request, reply) => {
    const form = await service.issueForm(request.ctx());
    const asset = (request.query as { asset?: string } | undefined)?.asset;
    const values: FormValues = typeof asset === 'string' && asset.trim() ? { 'device-0': asset.trim().slice(0, 100) } : {};
    return renderPage(request, reply, <IssuePage form={form} slots={slotCount({})} values={values} />);
  });

  app.post('/loans/new', async (request, reply) => {
    const ctx = request.ctx();
    const form = body(request);
    if (form.action === 'add') {
      const options = await service.issueForm(ctx);
      return renderPage(request, reply, <IssuePage form={options} slots={slotCount(form, 1)} values={form} />);
    }
    try {
      const loan = await service.issueLoan(ctx, form);
      return redirectWithFlash(reply, loanUrl(loan.reference), `Loan ${loan.reference} has been recorded: an email asks the person to sign for the devices`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const options = await service.issueForm(ctx);
      return renderPage(request, reply, <IssuePage form={options} slots={slotCount(form)} errors={error.fieldErrors} values={form} />, 422);
    }
  });

  app.get('/loans/:ref', async (request, reply) => {
    const record = await service.loanRecord(request.ctx(), ref(request));
    return renderPage(request, reply, <LoanPage record={record} now={new Date()} />);
  });

  // Signing: the person from the emailed link, or at the IT desk (?in_person=1, IT signed in).
  app.get('/loans/:ref/sign', async (request, reply) => {
    const view = await service.signingView(request.ctx(), ref(request), inPerson(request));
    if (view.loan.status === 'cancelled')
      return renderPage(
        request,
        reply,
        <LoanRefusalPage message="This loan was cancelled before it was signed: there is nothing to sign." reference={view.loan.reference} />,
        409,
      );
    if (view.loan.status !== 'awaiting_signature') return reply.redirect(loanUrl(view.loan.reference), 303);
    return renderPage(request, reply, <SigningPage view={view} />);
  });

  app.post('/loans/:ref/sign', async (request, reply) => {
    const ctx = request.ctx();
    const form = body(request);
    return orRefuse(request, reply, async () => {
      try {
        const loan = await service.signLoan(ctx, ref(request), form, inPerson(request));
        const who = loan.signMethod === 'in_person' ? `${loan.signedName} has` : 'You have';
        return redirectWithFlash(reply, loanUrl(loan.reference), `${who} signed for the devices on loan ${loan.reference}`);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        const view = await service.signingView(ctx, ref(request), inPerson(request));
        return renderPage(request, reply, <SigningPage view={view} errors={error.fieldErrors} values={form} />, 422);
      }
    });
  });

  app.get('/loans/:ref/receipt.pdf', async (request, reply) => {
    const receipt = await service.receiptFor(request.ctx(), ref(request), 'loan');
    if (receipt.kind !== 'loan') throw new Error('unexpected receipt');
    return sendPdf(reply, await loanReceiptPdf(receipt), `loan-${receipt.reference}.pdf`);
  });

  app.get('/loans/:ref/return-receipt.pdf', async (request, reply) => {
    const receipt = await service.receiptFor(request.ctx(), ref(request), 'return');
    if (receipt.kind !== 'return') throw new Error('unexpected receipt');
    return sendPdf(reply, await returnReceiptPdf(receipt), `return-${receipt.reference}.pdf`);
  });

  app.get('/loans/:ref/cancel', async (request, reply) => {
    const record = await service.loanRecord(request.ctx(), ref(request));
    if (!record.canManage) return reply.redirect(loanUrl(record.loan.reference), 303);
    if (record.loan.status !== 'awaiting_signature')
      return renderPage(
        request,
        reply,
        <LoanRefusalPage message="Only a loan waiting for its signature can be cancelled." reference={record.loan.reference} />,
        409,
      );
    return renderPage(request, reply, <CancelPage record={record} />);
  });

  app.post('/loans/:ref/cancel', async (request, reply) =>
    orRefuse(request, reply, async () => {
      const loan = await service.cancelLoan(request.ctx(), ref(request));
      return redirectWithFlash(reply, loanUrl(loan.reference), `Loan ${loan.reference} has been cancelled: the devices are back in stock`);
    }),
  );

  app.get('/loans/:ref/request-return', async (request, reply) => {
    const record = await service.loanRecord(request.ctx(), ref(request));
    if (!record.canManage) return reply.redirect(loanUrl(record.loan.reference), 303);
    if (record.loan.status !== 'active')
      return renderPage(
        request,
        reply,
        <LoanRefusalPage message="A return can be requested only while the devices are on loan and signed for." reference={record.loan.reference} />,
        409,
      );
    return renderPage(request, reply, <RequestReturnPage record={record} now={new Date()} />);
  });

  app.post('/loans/:ref/request-return', async (request, reply) => {
    const ctx = request.ctx();
    const form = body(request);
    return orRefuse(request, reply, async () => {
      try {
        const loan = await service.requestReturn(ctx, ref(request), form);
        return redirectWithFlash(reply, loanUrl(loan.reference), `Return requested: the devices are due back by ${formatDateTime(loan.returnDueAt)}`);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        const record = await service.loanRecord(ctx, ref(request));
        return renderPage(request, reply, <RequestReturnPage record={record} now={new Date()} errors={error.fieldErrors} values={form} />, 422);
      }
    });
  });

  app.get('/loans/:ref/return', async (request, reply) =>
    orRefuse(request, reply, async () => {
      const record = await service.returnForm(request.ctx(), ref(request));
      return renderPage(request, reply, <ReturnPage record={record} />);
    }),
  );

  app.post('/loans/:ref/return', async (request, reply) => {
    const ctx = request.ctx();
    const form = body(request);
    return orRefuse(request, reply, async () => {
      try {
        const loan = await service.recordReturn(ctx, ref(request), form);
        return redirectWithFlash(reply, loanUrl(loan.reference), 'The return has been recorded: the person now confirms it, here in person or from My devices');
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        const record = await service.returnForm(ctx, ref(request));
        return renderPage(request, reply, <ReturnPage record={record} errors={error.fieldErrors} values={form} />, 422);
      }
    });
  });

  app.get('/loans/:ref/return/confirm', async (request, reply) => {
    const view = await service.confirmView(request.ctx(), ref(request), inPerson(request));
    if (view.loan.status === 'returned') return reply.redirect(loanUrl(view.loan.reference), 303);
    if (!view.ready)
      return renderPage(
        request,
        reply,
        <LoanRefusalPage
          message="IT services have not recorded the devices handed back yet: bring them to the IT desk first."
          reference={view.loan.reference}
        />,
        409,
      );
    return renderPage(request, reply, <ConfirmReturnPage view={view} />);
  });

  app.post('/loans/:ref/return/confirm', async (request, reply) => {
    const ctx = request.ctx();
    const form = body(request);
    return orRefuse(request, reply, async () => {
      try {
        const loan = await service.confirmReturn(ctx, ref(request), form, inPerson(request));
        return redirectWithFlash(reply, loanUrl(loan.reference), `The return of loan ${loan.reference} has been confirmed: the loan is closed`);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        const view = await service.confirmView(ctx, ref(request), inPerson(request));
        return renderPage(request, reply, <ConfirmReturnPage view={view} errors={error.fieldErrors} values={form} />, 422);
      }
    });
  });
}
