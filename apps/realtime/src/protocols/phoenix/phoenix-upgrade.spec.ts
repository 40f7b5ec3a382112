import { admitPhoenixUpgrade } from './phoenix-upgrade';

describe('admitPhoenixUpgrade', () => {
  it.each(['', '?vsn=2.0.0'])('admits %j', (query) => {
    expect(admitPhoenixUpgrade({}, new URLSearchParams(query))).toEqual({ ok: true, value: undefined });
  });

  it('refuses any other vsn with 400 unsupported_vsn', () => {
    expect(admitPhoenixUpgrade({}, new URLSearchParams('?vsn=1.0.0'))).toEqual({
      ok: false,
      status: 400,
      body: { error: 'unsupported_vsn', message: 'only vsn=2.0.0 is supported' },
    });
  });
});
