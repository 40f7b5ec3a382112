import fc from 'fast-check';
import { MessagePart } from '../message.schema';
import { RunEvent, RunEventBody } from './run-event.schema';
import { foldRun } from './run-fold';

const SETTINGS = { numRuns: 300, seed: 20261130 };

/** A text and the deltas of one split of it (possibly empty pieces, never reordered). */
const splitText = fc
  .tuple(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.array(fc.nat(), { maxLength: 12 }))
  .map(([text, cuts]) => {
    const points = [0, ...cuts.map((cut) => cut % (text.length + 1)).sort((a, b) => a - b), text.length];
    return { text, deltas: points.slice(1).map((end, i) => text.slice(points[i], end)) };
  });

function numbered(bodies: readonly RunEventBody[]): RunEvent[] {
  return bodies.map((body, i) => ({ ...body, run_seq: i + 1 }));
}

type Segment = { kind: 'text'; text: string; deltas: string[] } | { kind: 'tool'; id: string; withResult: boolean };

/** Text runs separated by at least one tool call, so each text run is its own part. */
const segments = fc
  .array(
    fc.tuple(
      splitText.filter(({ deltas }) => deltas.length > 0),
      fc.boolean(),
    ),
    { minLength: 1, maxLength: 8 },
  )
  .map((pairs) =>
    pairs.flatMap(([{ text, deltas }, withResult], i): Segment[] => [
      { kind: 'text', text, deltas },
      { kind: 'tool', id: `call_${i}`, withResult },
    ]),
  );

function segmentEvents(segment: Segment): RunEventBody[] {
  if (segment.kind === 'text') {
    return segment.deltas.map((delta) => ({ kind: 'text-delta', delta }));
  }
  const call: RunEventBody = { kind: 'tool-call', tool_call_id: segment.id, tool_name: 't', input: segment.id };
  return segment.withResult ? [call, { kind: 'tool-result', tool_call_id: segment.id, output: segment.id }] : [call];
}

describe('foldRun (properties)', () => {
  it('commits the same text however it is split into text deltas', () => {
    fc.assert(
      fc.property(splitText, ({ text, deltas }) => {
        const parts = foldRun(numbered(deltas.map((delta) => ({ kind: 'text-delta', delta })))).parts;
        expect(parts).toEqual([{ type: 'text', text }]);
      }),
      SETTINGS,
    );
  });

  it('commits the same reasoning however it is split into reasoning deltas', () => {
    fc.assert(
      fc.property(splitText, ({ text, deltas }) => {
        const parts = foldRun(numbered(deltas.map((delta) => ({ kind: 'reasoning-delta', delta })))).parts;
        expect(parts).toEqual([{ type: 'reasoning', text }]);
      }),
      SETTINGS,
    );
  });

  it('keeps the order of text and tool events when they interleave', () => {
    fc.assert(
      fc.property(segments, (run) => {
        const parts = foldRun(numbered(run.flatMap(segmentEvents))).parts;
        const expected = run.flatMap((segment): MessagePart[] => {
          if (segment.kind === 'text') {
            return [{ type: 'text', text: segment.text }];
          }
          const call = { type: 'tool_call', tool_call_id: segment.id, tool_name: 't', input: segment.id };
          const result = { type: 'tool_result', tool_call_id: segment.id, tool_name: 't', output: segment.id };
          return segment.withResult ? [call, result] : [call];
        });
        expect(parts).toEqual(expected);
      }),
      SETTINGS,
    );
  });
});
