import { UsageError } from './exit-codes';
import { parseRunEvents } from './run-event-input';

describe('parseRunEvents', () => {
  it('reads a JSON array of events', () => {
    expect(parseRunEvents('[{"kind":"text-delta","delta":"a"},{"kind":"text-delta","delta":"b"}]\n')).toEqual([
      { kind: 'text-delta', delta: 'a' },
      { kind: 'text-delta', delta: 'b' },
    ]);
  });

  it('reads one JSON event a line, skipping blank lines', () => {
    expect(parseRunEvents('{"kind":"text-delta","delta":"a"}\n\n{"kind":"text-delta","delta":"b"}\n')).toHaveLength(2);
  });

  it.each(['', '  \n', '[1, 2]', '{"kind": ', '"text"'])('refuses %j as a usage error', (text) => {
    expect(() => parseRunEvents(text)).toThrow(UsageError);
  });
});
