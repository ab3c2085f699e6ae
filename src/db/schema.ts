// The whole database schema, gathered for drizzle-kit and for typed queries.
export * from '../audit/schema.ts';
export * from '../modules/acknowledgements/schema.ts';
export * from '../modules/assets/schema.ts';
export * from '../modules/auth/schema.ts';
export * from '../modules/byod/schema.ts';
export * from '../modules/concerns/schema.ts';
export * from '../modules/monitoring/schema.ts';
export * from '../modules/noncompliance/schema.ts';
export * from '../modules/notifications/schema.ts';
export * from '../modules/organisations/schema.ts';
export * from '../modules/policies/reviews/schema.ts';
export * from '../modules/policies/schema.ts';
export * from '../modules/requests/schema.ts';
export * from './references.ts';
