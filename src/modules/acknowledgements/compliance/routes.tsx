import type { FastifyInstance } from 'fastify';

export async function complianceRoutes(_app: FastifyInstance) {}
