import type { FastifyInstance } from 'fastify';

export async function ruleRoutes(_app: FastifyInstance) {}
