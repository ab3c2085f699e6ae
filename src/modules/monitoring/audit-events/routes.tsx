import type { FastifyInstance } from 'fastify';

export async function auditEventRoutes(_app: FastifyInstance) {}
