import { messageBodySchema } from '../message.schema';
import { RunEvent, RunEventBody } from './run-event.schema';
import { foldRun, UNNAMED_TOOL } from './run-fold';

/** The bodies with run_seq 1, 2, … as a run's events. */
function run(...bodies: RunEventBody[]): RunEvent[] {
  return bodies.map((body, i) => ({ ...body, run_seq: i + 1 }));
}

const text = (delta: string): RunEventBody => ({ kind: 'text-delta', delta });
const reasoning = (delta: string): RunEventBody => ({ kind: 'reasoning-delta', delta });

describe('foldRun', () => {
  it('folds a run into one assistant message that the message schema accepts', () => {
    const folded = foldRun(run(text('hi'), { kind: 'tool-call', tool_call_id: 'c1', tool_name: 'search', input: {} }));

    expect(folded.role).toBe('assistant');
    expect(messageBodySchema.safeParse(folded).success).toBe(true);
  });

  it('coalesces consecutive text deltas into one text part', () => {
    expect(foldRun(run(text('Hel'), text('lo, '), text('world'))).parts).toEqual([
      { type: 'text', text: 'Hello, world' },
    ]);
  });

  it('coalesces consecutive reasoning deltas into one reasoning part', () => {
    expect(foldRun(run(reasoning('think '), reasoning('hard'))).parts).toEqual([
      { type: 'reasoning', text: 'think hard' },
    ]);
  });

  it('starts a new text part after an event of another kind', () => {
    expect(
      foldRun(run(text('a'), reasoning('r'), text('b'), { kind: 'data', name: 'n', value: 1 }, text('c'))).parts,
    ).toEqual([
      { type: 'text', text: 'a' },
      { type: 'reasoning', text: 'r' },
      { type: 'text', text: 'b' },
      { type: 'data', name: 'n', data: 1 },
      { type: 'text', text: 'c' },
    ]);
  });

  it('starts a new text part after a step boundary, even with no part between', () => {
    expect(foldRun(run(text('a'), { kind: 'step-finished' }, text('b'))).parts).toEqual([
      { type: 'text', text: 'a' },
      { type: 'text', text: 'b' },
    ]);
  });

  it('marks a started step with a step_start part and gives a finished step no part', () => {
    expect(
      foldRun(run({ kind: 'step-started' }, text('a'), { kind: 'step-finished' }, { kind: 'step-started' }, text('b')))
        .parts,
    ).toEqual([
      { type: 'step_start' },
      { type: 'text', text: 'a' },
      { type: 'step_start' },
      { type: 'text', text: 'b' },
    ]);
  });

  it('gives a tool call the input of its tool-call event, at the place of its first input delta', () => {
    const folded = foldRun(
      run(
        { kind: 'tool-input-delta', tool_call_id: 'c1', delta: '{"q":' },
        text('searching'),
        { kind: 'tool-input-delta', tool_call_id: 'c1', delta: '"x"}' },
        { kind: 'tool-call', tool_call_id: 'c1', tool_name: 'search', input: { q: 'x' } },
      ),
    );

    expect(folded.parts).toEqual([
      { type: 'tool_call', tool_call_id: 'c1', tool_name: 'search', input: { q: 'x' } },
      { type: 'text', text: 'searching' },
    ]);
  });

  it('accumulates input deltas per tool call id', () => {
    const folded = foldRun(
      run(
        { kind: 'tool-input-delta', tool_call_id: 'a', delta: '{"x"' },
        { kind: 'tool-input-delta', tool_call_id: 'b', delta: '{"y"' },
        { kind: 'tool-input-delta', tool_call_id: 'a', delta: ':1' },
        { kind: 'tool-input-delta', tool_call_id: 'b', delta: ':2' },
      ),
    );

    expect(folded.parts).toEqual([
      { type: 'tool_call', tool_call_id: 'a', tool_name: UNNAMED_TOOL, input_text: '{"x":1', input_complete: false },
      { type: 'tool_call', tool_call_id: 'b', tool_name: UNNAMED_TOOL, input_text: '{"y":2', input_complete: false },
    ]);
  });

  it('keeps the raw input text of a call that never completed, named by its result when it has one', () => {
    const folded = foldRun(
      run(
        { kind: 'tool-input-delta', tool_call_id: 'c1', delta: '{"q":"x' },
        { kind: 'tool-result', tool_call_id: 'c1', tool_name: 'search', output: 'timeout', is_error: true },
      ),
    );

    expect(folded.parts).toEqual([
      { type: 'tool_call', tool_call_id: 'c1', tool_name: 'search', input_text: '{"q":"x', input_complete: false },
      { type: 'tool_result', tool_call_id: 'c1', tool_name: 'search', output: 'timeout', is_error: true },
    ]);
    expect(messageBodySchema.safeParse(folded).success).toBe(true);
  });

  it('puts a tool result right after its call, after that call’s earlier results, named by the call', () => {
    const folded = foldRun(
      run(
        { kind: 'tool-call', tool_call_id: 'a', tool_name: 'search', input: 1 },
        { kind: 'tool-call', tool_call_id: 'b', tool_name: 'fetch', input: 2 },
        text('waiting'),
        { kind: 'tool-result', tool_call_id: 'a', output: 'first' },
        { kind: 'tool-result', tool_call_id: 'b', output: 'b-out', is_error: false },
        { kind: 'tool-result', tool_call_id: 'a', output: 'second' },
      ),
    );

    expect(folded.parts).toEqual([
      { type: 'tool_call', tool_call_id: 'a', tool_name: 'search', input: 1 },
      { type: 'tool_result', tool_call_id: 'a', tool_name: 'search', output: 'first' },
      { type: 'tool_result', tool_call_id: 'a', tool_name: 'search', output: 'second' },
      { type: 'tool_call', tool_call_id: 'b', tool_name: 'fetch', input: 2 },
      { type: 'tool_result', tool_call_id: 'b', tool_name: 'fetch', output: 'b-out', is_error: false },
      { type: 'text', text: 'waiting' },
    ]);
  });

  it('keeps a tool result whose call is not in the run where it came', () => {
    expect(foldRun(run(text('a'), { kind: 'tool-result', tool_call_id: 'x', output: null }, text('b'))).parts).toEqual([
      { type: 'text', text: 'a' },
      { type: 'tool_result', tool_call_id: 'x', output: null },
      { type: 'text', text: 'b' },
    ]);
  });

  it('folds a file event to a file part, with its name only when it has one', () => {
    expect(
      foldRun(
        run(
          { kind: 'file', media_type: 'image/png', url: 'https://x/a.png', name: 'a.png' },
          { kind: 'file', media_type: 'text/plain', url: 'data:,hi' },
        ),
      ).parts,
    ).toEqual([
      { type: 'file', media_type: 'image/png', url: 'https://x/a.png', name: 'a.png' },
      { type: 'file', media_type: 'text/plain', url: 'data:,hi' },
    ]);
  });

  it('folds a data event to a data part holding its name and value', () => {
    expect(foldRun(run({ kind: 'data', name: 'weather', value: { c: 21 } })).parts).toEqual([
      { type: 'data', name: 'weather', data: { c: 21 } },
    ]);
  });

  it('keeps an error event as a data part named error', () => {
    expect(foldRun(run(text('a'), { kind: 'error', message: 'rate limited' })).parts).toEqual([
      { type: 'text', text: 'a' },
      { type: 'data', name: 'error', data: { message: 'rate limited' } },
    ]);
  });

  it('folds a run with no part into one empty text part', () => {
    expect(foldRun([]).parts).toEqual([{ type: 'text', text: '' }]);
    expect(foldRun(run({ kind: 'step-finished' })).parts).toEqual([{ type: 'text', text: '' }]);
  });

  it('folds the example of docs/runs.md as it shows', () => {
    const folded = foldRun(
      run(
        { kind: 'step-started' },
        reasoning('The user wants '),
        reasoning('the weather.'),
        { kind: 'tool-input-delta', tool_call_id: 'c1', delta: '{"city":' },
        text('Let me check. '),
        { kind: 'tool-input-delta', tool_call_id: 'c1', delta: '"Oslo"}' },
        { kind: 'tool-call', tool_call_id: 'c1', tool_name: 'weather', input: { city: 'Oslo' } },
        { kind: 'tool-result', tool_call_id: 'c1', output: { c: 3 } },
        { kind: 'step-finished' },
        { kind: 'step-started' },
        text('It is '),
        text('3 °C.'),
      ),
    );

    expect(folded).toEqual({
      role: 'assistant',
      parts: [
        { type: 'step_start' },
        { type: 'reasoning', text: 'The user wants the weather.' },
        { type: 'tool_call', tool_call_id: 'c1', tool_name: 'weather', input: { city: 'Oslo' } },
        { type: 'tool_result', tool_call_id: 'c1', tool_name: 'weather', output: { c: 3 } },
        { type: 'text', text: 'Let me check. ' },
        { type: 'step_start' },
        { type: 'text', text: 'It is 3 °C.' },
      ],
    });
  });
});
