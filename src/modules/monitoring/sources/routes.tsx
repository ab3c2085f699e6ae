import type { FastifyInstance } from 'fastify';

export async function sourceRoutes(_app: FastifyInstance) {}
