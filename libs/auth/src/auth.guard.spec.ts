import { ApiError } from '@threadline/errors';
import { bearerCredential, checkAccess, credentialOf } from './auth.guard';
import { Principal } from './principal';
import { Scope } from './scopes';

const principal = (scopes: Scope[], conversationId?: string): Principal => ({
  tenantId: 'acme',
  subject: 'user:ada',
  scopes: new Set(scopes),
  conversationId,
});

function refusal(run: () => void): { status: number; code: string; headers: Record<string, string> } {
  try {
    run();
  } catch (error) {
    const { status, code, headers } = error as ApiError;
    return { status, code, headers };
  }
  throw new Error('allowed');
}

describe('bearer credentials', () => {
  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer tl_x  ', 'tl_x'],
    [['Bearer first', 'Bearer second'], 'first'],
    ['Basic dXNlcjpwYXNz', undefined],
    ['Bearer', undefined],
    ['Bearer a b', undefined],
  ])('reads %j as %j', (header, token) => {
    expect(bearerCredential(header)).toBe(token);
  });

  it('treats a missing header as no credential', () => {
    expect(credentialOf(undefined)).toBeUndefined();
  });

  it('answers a header that is not Bearer <token> with 401 and error="invalid_token"', () => {
    expect(refusal(() => credentialOf('Basic dXNlcjpwYXNz'))).toEqual({
      status: 401,
      code: 'unauthorized',
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    });
  });
});

describe('access checks', () => {
  it('allows a principal with every required scope', () => {
    expect(() => checkAccess(principal(['conversations:read']), ['conversations:read'], 'c1')).not.toThrow();
  });

  it('answers 403 forbidden_scope when a required scope is missing', () => {
    expect(refusal(() => checkAccess(principal(['conversations:read']), ['messages:append'], 'c1'))).toMatchObject({
      status: 403,
      code: 'forbidden_scope',
    });
  });

  it('lets a pinned token reach its own conversation only', () => {
    const pinned = principal(['conversations:read'], 'c1');
    expect(() => checkAccess(pinned, ['conversations:read'], 'c1')).not.toThrow();
    expect(refusal(() => checkAccess(pinned, ['conversations:read'], 'c2'))).toMatchObject({
      status: 403,
      code: 'forbidden_conversation',
    });
  });

  it('closes admin routes to a pinned token, even with the admin scope', () => {
    expect(refusal(() => checkAccess(principal(['admin'], 'c1'), ['admin'], undefined))).toMatchObject({
      status: 403,
      code: 'forbidden_conversation',
    });
  });

  it.each(['agents:manage', 'deliveries:reply'] as const)(
    'closes %s routes to a pinned token, even when the agent id equals its conversation id',
    (scope) => {
      expect(refusal(() => checkAccess(principal([scope], 'c1'), [scope], 'c1'))).toMatchObject({
        status: 403,
        code: 'forbidden_conversation',
      });
    },
  );
});
