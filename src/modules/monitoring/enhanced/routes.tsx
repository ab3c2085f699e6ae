import type { FastifyInstance } from 'fastify';

export async function enhancedRoutes(_app: FastifyInstance) {}
