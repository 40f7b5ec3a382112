import { admitStreamUpgrade } from './plain-ws-upgrade';

describe('admitStreamUpgrade', () => {
  it('admits a valid id with or without a cursor and run cursors', () => {
    expect(admitStreamUpgrade({ id: 'c1' }, new URLSearchParams('cursor=7&run_cursors=run_a:3,run_b:0'))).toEqual({
      ok: true,
      value: {
        conversationId: 'c1',
        cursor: 7,
        runCursors: new Map([
          ['run_a', 3],
          ['run_b', 0],
        ]),
      },
    });
    expect(admitStreamUpgrade({ id: 'c1' }, new URLSearchParams())).toEqual({
      ok: true,
      value: { conversationId: 'c1', cursor: null, runCursors: new Map() },
    });
  });

  it.each([
    [{ id: '-bad' }, '', 'invalid_conversation_id'],
    [{ id: 'c1' }, 'cursor=-1', 'invalid_cursor'],
    [{ id: 'c1' }, 'run_cursors=run_a:x', 'invalid_cursor'],
    [{ id: 'c1' }, 'run_cursors=bad:1', 'invalid_cursor'],
  ])('refuses %j %j with 400 %s', (params, query, error) => {
    expect(admitStreamUpgrade(params, new URLSearchParams(query))).toEqual({
      ok: false,
      status: 400,
      body: { error, message: expect.any(String) as string },
    });
  });
});
