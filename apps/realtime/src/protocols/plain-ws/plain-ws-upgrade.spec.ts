import { admitStreamUpgrade } from './plain-ws-upgrade';

describe('admitStreamUpgrade', () => {
  it('admits a valid id with or without a cursor', () => {
    expect(admitStreamUpgrade({ id: 'c1' }, new URLSearchParams('cursor=7'))).toEqual({
      ok: true,
      value: { conversationId: 'c1', cursor: 7 },
    });
    expect(admitStreamUpgrade({ id: 'c1' }, new URLSearchParams())).toEqual({
      ok: true,
      value: { conversationId: 'c1', cursor: null },
    });
  });

  it.each([
    [{ id: '-bad' }, '', 'invalid_conversation_id'],
    [{ id: 'c1' }, 'cursor=-1', 'invalid_cursor'],
  ])('refuses %j %j with 400 %s', (params, query, error) => {
    expect(admitStreamUpgrade(params, new URLSearchParams(query))).toEqual({
      ok: false,
      status: 400,
      body: { error, message: expect.any(String) as string },
    });
  });
});
