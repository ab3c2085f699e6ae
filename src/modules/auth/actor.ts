import type { Role } from '../organisations/roles.ts';

export type RoleGrant = { role: Role; schoolId: string | null };

/** Who is acting: a signed-in person, an integration's API key, or the system itself. */
export type Actor =
  | {
      type: 'person';
      trustId: string;
      personId: string;
      name: string;
      email: string;
      roles: RoleGrant[];
      schoolIds: string[];
      sessionId?: string;
      authMethod?: 'magic_link' | 'password';
    }
  | { type: 'api_key'; trustId: string; keyId: string; name: string; scopes: string[] }
  | { type: 'system'; trustId: string; label: string };

export type PersonActor = Extract<Actor, { type: 'person' }>;

export const systemActor = (trustId: string, label = 'Countersign'): Actor => ({ type: 'system', trustId, label });

export const actorLabel = (actor: Actor): string => (actor.type === 'person' ? actor.name : actor.type === 'api_key' ? `API key "${actor.name}"` : actor.label);

export const actorId = (actor: Actor): string | null => (actor.type === 'person' ? actor.personId : actor.type === 'api_key' ? actor.keyId : null);
