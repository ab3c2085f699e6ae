import type { FastifyInstance } from 'fastify';

export async function acknowledgementImportRoutes(_app: FastifyInstance) {}
