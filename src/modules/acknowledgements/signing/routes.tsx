import type { FastifyInstance } from 'fastify';

export async function signingRoutes(_app: FastifyInstance) {}
