import type { FastifyInstance } from 'fastify';

export async function evidenceRoutes(_app: FastifyInstance) {}
