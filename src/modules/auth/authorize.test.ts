import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ForbiddenError, NotFoundError } from '../../errors.ts';
import type { Actor, RoleGrant } from './actor.ts';
import { authorize, can, schoolsFor } from './authorize.ts';

const T = 'trust-1';
const A = 'school-a';
const B = 'school-b';
const person = (roles: RoleGrant[], personId = 'p1'): Actor => ({ type: 'person', trustId: T, personId, name: 'X', email: 'x@x', roles, schoolIds: [] });

describe('authorize', () => {
  test('another trust is always "not found"', () => {
    const admin = person([{ role: 'trust_admin', schoolId: null }]);
    assert.equal(can(admin, 'people.view', { trustId: 'trust-2' }), false);
    assert.throws(() => authorize(admin, 'people.view', { trustId: 'trust-2' }), NotFoundError);
    assert.throws(() => authorize(null, 'people.view', { trustId: T }), NotFoundError);
  });

  test('trust-wide roles act anywhere in the trust', () => {
    const admin = person([{ role: 'trust_admin', schoolId: null }]);
    assert.ok(can(admin, 'people.manage', { trustId: T, schoolIds: [A, B] }));
    assert.ok(can(admin, 'roles.manage', { trustId: T }));
    assert.deepEqual(schoolsFor(admin, 'people.list'), 'all');
  });

  test('school roles act only at their school; changing needs every school covered', () => {
    const head = person([{ role: 'head_teacher', schoolId: A }]);
    assert.ok(can(head, 'people.view', { trustId: T, schoolIds: [A, B] }), 'reading: one school is enough');
    assert.ok(can(head, 'people.manage', { trustId: T, schoolIds: [A] }));
    assert.equal(can(head, 'people.manage', { trustId: T, schoolIds: [A, B] }), false);
    assert.equal(can(head, 'people.view', { trustId: T, schoolIds: [B] }), false);
    assert.equal(can(head, 'people.view', { trustId: T, schoolIds: [], personId: 'p9' }), false, 'central team is not theirs');
    assert.equal(can(head, 'roles.manage', { trustId: T }), false);
    assert.deepEqual(schoolsFor(head, 'people.list'), [A]);
    assert.throws(() => authorize(head, 'audit.view', { trustId: T }), ForbiddenError);
  });

  test('a role held trust-wide only counts where the rule allows it trust-wide', () => {
    const trustDsl = person([{ role: 'dsl', schoolId: null }]);
    assert.equal(can(trustDsl, 'people.manage', { trustId: T, schoolIds: [A] }), false);
  });

  test('people see their own record and nobody else’s', () => {
    const teacher = person([], 'me');
    assert.ok(can(teacher, 'people.view', { trustId: T, schoolIds: [A], personId: 'me' }));
    assert.equal(can(teacher, 'people.view', { trustId: T, schoolIds: [A], personId: 'you' }), false);
    assert.equal(can(teacher, 'people.list', { trustId: T }), false);
    assert.deepEqual(schoolsFor(teacher, 'people.list'), []);
  });

  test('API keys act through their scopes only', () => {
    const key: Actor = { type: 'api_key', trustId: T, keyId: 'k', name: 'MIS', scopes: ['people:read'] };
    assert.ok(can(key, 'people.list', { trustId: T }));
    assert.equal(can(key, 'people.manage', { trustId: T, schoolIds: [A] }), false);
    const monitoring: Actor = { ...key, scopes: ['monitoring:write'] };
    assert.equal(can(monitoring, 'people.list', { trustId: T }), false);
  });

  test('the system actor is trusted within its own trust only', () => {
    const system: Actor = { type: 'system', trustId: T, label: 'Countersign' };
    assert.ok(can(system, 'roles.manage', { trustId: T }));
    assert.equal(can(system, 'roles.manage', { trustId: 'trust-2' }), false);
  });
});
