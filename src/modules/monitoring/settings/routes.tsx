import type { FastifyInstance } from 'fastify';

export async function monitoringSettingsRoutes(_app: FastifyInstance) {}
