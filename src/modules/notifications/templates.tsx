import type { ReactNode } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import type { EmailMessage } from './service.ts';

/**
 * Emails are plain and short: one action, one link, the organisation's name in the subject.
 * Each template returns the text and HTML versions together so they never drift apart.
 */
export function emailHtml(body: ReactNode): string {
  return `<!DOCTYPE html>${renderToStaticMarkup(
    <html lang="en">
      <body style={{ fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif', fontSize: '16px', lineHeight: 1.5, color: '#0b0c0c' }}>
        {body}
        <p style={{ color: '#505a5f', fontSize: '14px' }}>Sent by Countersign.</p>
      </body>
    </html>,
  )}`;
}

export function magicLinkEmail(p: { name: string; trustName: string; url: string; minutes: number }): EmailMessage {
  return {
    subject: `${p.trustName}: your link to sign in to Countersign`,
    text: [
      `Hello ${p.name},`,
      '',
      'Use this link to sign in to Countersign:',
      p.url,
      '',
      `The link works once and stops working after ${p.minutes} minutes.`,
      'If you did not ask to sign in, you can ignore this email.',
    ].join('\n'),
    html: emailHtml(
      <>
        <p>Hello {p.name},</p>
        <p>
          <a href={p.url}>Sign in to Countersign</a>
        </p>
        <p>The link works once and stops working after {p.minutes} minutes. If you did not ask to sign in, you can ignore this email.</p>
      </>,
    ),
  };
}
