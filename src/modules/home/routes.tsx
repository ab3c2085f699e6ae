import type { FastifyInstance } from 'fastify';
import { Tag, type Tone } from '../../ui/components.tsx';
import { londonToday } from '../../ui/format.ts';
import { Layout } from '../../ui/layout.tsx';
import { renderPage } from '../../web/render.tsx';
import { agreementTodos } from '../acknowledgements/signing/service.ts';
import { loanTodos } from '../assets/loans/todos.ts';
import type { Actor } from '../auth/actor.ts';
import { can } from '../auth/authorize.ts';
import { byodTodos } from '../byod/todos.ts';
import { breachTodos } from '../concerns/breaches/todos.ts';
import { concernTodos } from '../concerns/record/todos.ts';
import { alertTodos } from '../monitoring/alerts/todos.ts';
import { enhancedTodos } from '../monitoring/enhanced/todos.ts';
import { nonComplianceTodos } from '../noncompliance/todos.ts';
import { roleLabel } from '../organisations/roles.ts';
import { reviewTodos } from '../policies/reviews/service.ts';
import { requestTodos } from '../requests/todos.ts';

/** A thing the person should do, most urgent first; each module contributes its own. A tag shows a clock ("3 days overdue"). */
export type TodoItem = { href: string; title: string; detail?: string; tag?: { tone: Tone; label: string } };

function HomePage({ actor, todos }: { actor: Extract<Actor, { type: 'person' }>; todos: TodoItem[] }) {
  const first = actor.name.split(' ')[0];
  const admin = can(actor, 'people.list', { trustId: actor.trustId });
  return (
    <Layout title="Home">
      <h1 className="govuk-heading-l">Hello, {first}</h1>
      <h2 className="govuk-heading-m">What needs you today</h2>
      {todos.length === 0 ? (
        <p className="govuk-body cs-empty">Nothing needs you today.</p>
      ) : (
        <ul className="cs-todo-list">
          {todos.map((t) => (
            <li key={t.href}>
              <a className="govuk-link govuk-!-font-weight-bold" href={t.href}>
                {t.title}
              </a>
              {t.tag && (
                <>
                  {' '}
                  <Tag tone={t.tag.tone}>{t.tag.label}</Tag>
                </>
              )}
              {t.detail && <p className="govuk-body-s govuk-!-margin-bottom-0">{t.detail}</p>}
            </li>
          ))}
        </ul>
      )}
      <h2 className="govuk-heading-m">Your account</h2>
      <p className="govuk-body">
        <a className="govuk-link" href={`/people/${actor.personId}`}>
          Your details and roles
        </a>
        {actor.roles.length > 0 && <> ({[...new Set(actor.roles.map((r) => roleLabel(r.role)))].join(', ')})</>}
      </p>
      {admin && (
        <p className="govuk-body">
          <a className="govuk-link" href="/people">
            Find a person
          </a>
        </p>
      )}
    </Layout>
  );
}

export async function homeRoutes(app: FastifyInstance) {
  app.get('/', async (request, reply) => {
    const actor = request.ctx().actor;
    if (actor.type !== 'person') return reply.redirect('/sign-in', 303);
    const ctx = request.ctx();
    // Agreements to sign come first: they are the one thing everyone has to do.
    // Then the clocks that run in hours (breaches), then concerns and actions, then reviews.
    const todos = [
      ...(await agreementTodos(ctx, londonToday())),
      ...(await breachTodos(ctx)),
      ...(await concernTodos(ctx)),
      ...(await alertTodos(ctx)),
      ...(await nonComplianceTodos(ctx, londonToday())),
      ...(await loanTodos(ctx)),
      ...(await requestTodos(ctx)),
      ...(await byodTodos(ctx)),
      ...(await enhancedTodos(ctx)),
      ...(await reviewTodos(ctx)),
    ];
    return renderPage(request, reply, <HomePage actor={actor} todos={todos} />);
  });
}
