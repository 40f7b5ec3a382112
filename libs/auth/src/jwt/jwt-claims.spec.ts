import { ApiError } from '@threadline/errors';
import { principalFromClaims, scopesOf } from './jwt-claims';

const valid = {
  tenant_id: 'acme',
  sub: 'agent:planner-1',
  scope: 'conversations:read messages:append',
  exp: 2_000_000_000,
};

function rejection(claims: Record<string, unknown>): string {
  try {
    principalFromClaims(claims);
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(401);
    return (error as ApiError).message;
  }
  throw new Error('accepted');
}

describe('JWT claims', () => {
  it('makes the principal from tenant_id, sub, scope and exp', () => {
    expect(principalFromClaims(valid)).toEqual({
      tenantId: 'acme',
      subject: 'agent:planner-1',
      scopes: new Set(['conversations:read', 'messages:append']),
      expiresAt: new Date(2_000_000_000_000),
    });
  });

  it('pins the principal to conversation_id when the token carries one', () => {
    expect(principalFromClaims({ ...valid, conversation_id: 'conv-1' }).conversationId).toBe('conv-1');
  });

  it("pins the principal to Starcite's session_id like conversation_id, and accepts both when they agree", () => {
    expect(principalFromClaims({ ...valid, session_id: 'ses_1' }).conversationId).toBe('ses_1');
    expect(principalFromClaims({ ...valid, session_id: 'ses_1', conversation_id: 'ses_1' }).conversationId).toBe(
      'ses_1',
    );
  });

  it("reads Starcite's session:read, session:create and session:append as the scopes of the same routes", () => {
    expect(scopesOf({ scopes: ['session:read', 'session:create', 'session:append'] })).toEqual(
      new Set(['conversations:read', 'conversations:write', 'messages:append']),
    );
    expect(scopesOf({ scope: 'session:read' })).toEqual(new Set(['conversations:read']));
  });

  it('takes scopes from a scopes array too, and ignores scopes it does not know', () => {
    expect(scopesOf({ scopes: ['admin', 'billing:read', 7] })).toEqual(new Set(['admin']));
    expect(scopesOf({ scope: 'openid conversations:write', scopes: ['admin'] })).toEqual(
      new Set(['conversations:write', 'admin']),
    );
    expect(scopesOf({})).toEqual(new Set());
  });

  it.each([
    [{ tenant_id: undefined }, /tenant_id/],
    [{ tenant_id: 'Not/A/Tenant' }, /tenant_id/],
    [{ sub: 'alice' }, /sub claim must be <user\|agent\|service>:<id>/],
    [{ sub: 'robot:1' }, /sub claim/],
    [{ exp: undefined }, /exp/],
    [{ conversation_id: 'bad id!' }, /conversation_id/],
    [{ session_id: 'bad id!' }, /session_id/],
    [{ session_id: 'ses_1', conversation_id: 'ses_2' }, /different conversations/],
  ])('refuses %j with 401 naming the claim', (change, message) => {
    expect(rejection({ ...valid, ...change })).toMatch(message);
  });
});
