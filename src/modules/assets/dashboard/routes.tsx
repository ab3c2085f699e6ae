import type { FastifyInstance } from 'fastify';
import { renderPage } from '../../../web/render.tsx';
import { dashboardQuery, itDashboard } from './service.ts';
import { ItDashboardPage } from './views.tsx';

/** GET /it: the IT dashboard (devices, returns, signatures, personal devices, requests); `?school=` picks one school. */
export async function itDashboardRoutes(app: FastifyInstance) {
  app.get('/it', async (request, reply) => {
    const data = await itDashboard(request.ctx(), dashboardQuery.parse(request.query ?? {}));
    return renderPage(request, reply, <ItDashboardPage data={data} />);
  });
}
