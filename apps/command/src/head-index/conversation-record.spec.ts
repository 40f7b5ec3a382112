import { canonicalParticipants } from './conversation-record';

describe('canonicalParticipants', () => {
  it('orders by id (code units, not locale), so the same set is always the same JSON', () => {
    const a = canonicalParticipants([
      { id: 'b', kind: 'user' },
      { id: 'B', kind: 'agent' },
      { id: 'a', kind: 'system' },
    ]);
    const b = canonicalParticipants([
      { id: 'a', kind: 'system' },
      { id: 'b', kind: 'user' },
      { id: 'B', kind: 'agent' },
    ]);
    expect(a.map((p) => p.id)).toEqual(['B', 'a', 'b']);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  it('keeps only id and kind, in that order', () => {
    const extra = { kind: 'user', id: 'ada', note: 'x' } as unknown as { id: string; kind: 'user' };
    expect(JSON.stringify(canonicalParticipants([extra]))).toBe('[{"id":"ada","kind":"user"}]');
  });
});
