import { SCOPES } from '../scopes';
import { Principal } from '../principal';
import { inboxView, principalParticipant } from './inbox-access';

const principal = (subject: string, conversationId?: string): Principal => ({
  tenantId: 'acme',
  subject,
  scopes: new Set(SCOPES),
  ...(conversationId === undefined ? {} : { conversationId }),
});

describe('inboxView', () => {
  it('lets a user or an agent read its own inbox, as that kind only', () => {
    expect(inboxView(principal('user:alice'), 'alice')).toEqual({ kind: 'user' });
    expect(inboxView(principal('agent:bot'), 'bot')).toEqual({ kind: 'agent' });
  });

  it("refuses someone else's inbox to a user or agent with 403 forbidden_inbox", () => {
    expect(() => inboxView(principal('user:alice'), 'bob')).toThrow(
      expect.objectContaining({ status: 403, code: 'forbidden_inbox' }),
    );
    expect(() => inboxView(principal('agent:bot'), 'alice')).toThrow(expect.objectContaining({ status: 403 }));
  });

  it("lets a service read any participant's inbox, every kind", () => {
    expect(inboxView(principal('service:backend'), 'alice')).toEqual({ kind: 'any' });
  });

  it('refuses every inbox to a token pinned to a conversation', () => {
    expect(() => inboxView(principal('user:alice', 'c1'), 'alice')).toThrow(
      expect.objectContaining({ code: 'forbidden_inbox' }),
    );
    expect(() => inboxView(principal('service:backend', 'c1'), 'alice')).toThrow(
      expect.objectContaining({ code: 'forbidden_inbox' }),
    );
  });
});

describe('principalParticipant', () => {
  it('maps the subject to the participant it acts as (service → system), ids with colons kept whole', () => {
    expect(principalParticipant(principal('user:alice'))).toEqual({ id: 'alice', kind: 'user' });
    expect(principalParticipant(principal('agent:ns:bot'))).toEqual({ id: 'ns:bot', kind: 'agent' });
    expect(principalParticipant(principal('service:anonymous'))).toEqual({ id: 'anonymous', kind: 'system' });
  });
});
