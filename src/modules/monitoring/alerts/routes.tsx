import type { FastifyInstance } from 'fastify';

export async function alertRoutes(_app: FastifyInstance) {}
