import { MAX_RUN_CURSORS, parseRunCursors, parseSseEventId, sseEventId } from './run-cursors';

describe('parseRunCursors', () => {
  it.each([
    [undefined, []],
    ['', []],
    [
      { run_a: 3, run_b: 0 },
      [
        ['run_a', 3],
        ['run_b', 0],
      ],
    ],
    ['{"run_a": 3}', [['run_a', 3]]],
    [
      'run_a:3,run_b-2:12',
      [
        ['run_a', 3],
        ['run_b-2', 12],
      ],
    ],
  ])('accepts %j', (value, pairs) => {
    expect(parseRunCursors(value)).toEqual({ ok: true, cursors: new Map(pairs as [string, number][]) });
  });

  it.each([
    [{ run_a: -1 }, 'run_cursors.run_a'],
    [{ run_a: 1.5 }, 'run_cursors.run_a'],
    [{ nope: 1 }, '"nope" is not a run id'],
    ['run_a', 'is not a run id'],
    ['run_a:1:2', 'is not a run id'],
    ['{"run_a":', 'JSON object'],
    [[1], 'must be an object'],
    [7, 'must be an object'],
  ])('refuses %j naming the field', (value, message) => {
    const parsed = parseRunCursors(value);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message).toContain(message);
  });

  it(`refuses more than ${MAX_RUN_CURSORS} runs`, () => {
    const many = Object.fromEntries(Array.from({ length: MAX_RUN_CURSORS + 1 }, (_, i) => [`run_${i}`, 1]));
    expect(parseRunCursors(many).ok).toBe(false);
  });
});

describe('SSE event ids', () => {
  it('name the message seq, then each run in flight, and read back as the same cursors', () => {
    const runs = new Map([
      ['run_a', 12],
      ['run_b-x', 3],
    ]);
    expect(sseEventId(40, runs)).toBe('40.run_a.12.run_b-x.3');
    expect(parseSseEventId('40.run_a.12.run_b-x.3')).toEqual({ ok: true, cursor: '40', runCursors: runs });
    expect(parseSseEventId('40')).toEqual({ ok: true, cursor: '40', runCursors: new Map() });
    expect(parseSseEventId(sseEventId(null, runs))).toEqual({ ok: true, cursor: undefined, runCursors: runs });
  });

  it.each(['40.run_a', '40.run_a.x', '40.bad.1'])('refuse a malformed Last-Event-ID %j', (id) => {
    expect(parseSseEventId(id).ok).toBe(false);
  });
});
