import { compilePath } from './path-pattern';

describe('compilePath', () => {
  it('matches a path without parameters only exactly', () => {
    const match = compilePath('/socket/websocket');
    expect(match('/socket/websocket')).toEqual({});
    expect(match('/socket/websocket/')).toBeNull();
    expect(match('/socket')).toBeNull();
  });

  it('takes one non-empty segment for each :name, percent-decoded', () => {
    const match = compilePath('/v1/conversations/:id/stream');
    expect(match('/v1/conversations/c%3A1/stream')).toEqual({ id: 'c:1' });
    expect(match('/v1/conversations//stream')).toBeNull();
    expect(match('/v1/conversations/a/b/stream')).toBeNull();
    expect(match('/v1/conversations/a/events')).toBeNull();
  });

  it('keeps a segment that cannot be decoded as it was sent', () => {
    expect(compilePath('/v1/conversations/:id/stream')('/v1/conversations/%E0%A4%A/stream')).toEqual({
      id: '%E0%A4%A',
    });
  });
});
