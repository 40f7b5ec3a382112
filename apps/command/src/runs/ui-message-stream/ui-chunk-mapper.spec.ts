import { ChunkStep, UiChunkError, UiChunkMapper } from './ui-chunk-mapper';

/** The steps of the chunks, mapped by one mapper in order. */
function steps(...chunks: unknown[]): ChunkStep[] {
  const mapper = new UiChunkMapper();
  return chunks.map((c) => mapper.step(typeof c === 'string' ? c : JSON.stringify(c)));
}

const events = (...e: unknown[]) => ({ kind: 'events', events: e });
const ignored = { kind: 'ignored' };

describe('UiChunkMapper', () => {
  it('maps text and reasoning deltas, their start and end chunks carrying nothing', () => {
    expect(
      steps(
        { type: 'text-start', id: 't' },
        { type: 'text-delta', id: 't', delta: 'Hel' },
        { type: 'text-end', id: 't' },
        { type: 'reasoning-start', id: 'r' },
        { type: 'reasoning-delta', id: 'r', delta: 'think' },
        { type: 'reasoning-end', id: 'r' },
      ),
    ).toEqual([
      ignored,
      events({ kind: 'text-delta', delta: 'Hel' }),
      ignored,
      ignored,
      events({ kind: 'reasoning-delta', delta: 'think' }),
      ignored,
    ]);
  });

  it('maps a tool call: input deltas, the call, then its result named after the tool of its start', () => {
    expect(
      steps(
        { type: 'tool-input-start', toolCallId: 'c1', toolName: 'weather' },
        { type: 'tool-input-delta', toolCallId: 'c1', inputTextDelta: '{"city":' },
        { type: 'tool-input-available', toolCallId: 'c1', toolName: 'weather', input: { city: 'Oslo' } },
        { type: 'tool-output-available', toolCallId: 'c1', output: { temp: 3 } },
      ),
    ).toEqual([
      ignored,
      events({ kind: 'tool-input-delta', tool_call_id: 'c1', delta: '{"city":' }),
      events({ kind: 'tool-call', tool_call_id: 'c1', tool_name: 'weather', input: { city: 'Oslo' } }),
      events({ kind: 'tool-result', tool_call_id: 'c1', tool_name: 'weather', output: { temp: 3 } }),
    ]);
  });

  it('maps a failed tool: an invalid input is still the call, the error text is an error result', () => {
    expect(
      steps(
        { type: 'tool-input-error', toolCallId: 'c2', toolName: 'sum', input: 'x', errorText: 'bad input' },
        { type: 'tool-output-error', toolCallId: 'c2', errorText: 'bad input' },
      ),
    ).toEqual([
      events({ kind: 'tool-call', tool_call_id: 'c2', tool_name: 'sum', input: 'x' }),
      events({ kind: 'tool-result', tool_call_id: 'c2', tool_name: 'sum', output: 'bad input', is_error: true }),
    ]);
  });

  it('leaves out the tool name of a result whose call it never saw, and ignores preliminary outputs', () => {
    expect(
      steps(
        { type: 'tool-output-available', toolCallId: 'c3', output: 1, preliminary: true },
        { type: 'tool-output-available', toolCallId: 'c3', output: 2 },
      ),
    ).toEqual([ignored, events({ kind: 'tool-result', tool_call_id: 'c3', output: 2 })]);
  });

  it('maps files, steps and data parts (the name after data-)', () => {
    expect(
      steps(
        { type: 'start-step' },
        { type: 'file', url: 'https://x/a.png', mediaType: 'image/png' },
        { type: 'data-weather', id: 'd', data: { temp: 3 } },
        { type: 'finish-step' },
      ),
    ).toEqual([
      events({ kind: 'step-started' }),
      events({ kind: 'file', media_type: 'image/png', url: 'https://x/a.png' }),
      events({ kind: 'data', name: 'weather', value: { temp: 3 } }),
      events({ kind: 'step-finished' }),
    ]);
  });

  it('turns an error chunk into a failure with its text, abort into a cancel, finish and [DONE] into the end', () => {
    expect(
      steps({ type: 'error', errorText: 'rate limited' }, { type: 'abort' }, { type: 'finish' }, '[DONE]'),
    ).toEqual([{ kind: 'fail', message: 'rate limited' }, { kind: 'cancel' }, { kind: 'finish' }, { kind: 'done' }]);
  });

  it('ignores start, message metadata, sources, approvals and any type it does not know, prototype names included', () => {
    expect(
      steps(
        { type: 'start', messageId: 'm' },
        { type: 'message-metadata', messageMetadata: {} },
        { type: 'source-url', sourceId: 's', url: 'https://x' },
        { type: 'tool-approval-request', approvalId: 'a', toolCallId: 'c' },
        { type: 'tool-output-denied', toolCallId: 'c' },
        { type: 'something-new', x: 1 },
        { type: 'constructor' },
        { type: '__proto__' },
        { type: 'toString' },
      ),
    ).toEqual(Array(9).fill(ignored));
  });

  it.each<[string, unknown, string]>([
    ['text that is not JSON', '{"type":', 'chunk 1: not JSON'],
    ['an array', [], 'chunk 1: not a JSON object'],
    ['a chunk without a type', { delta: 'x' }, 'chunk 1: type must be a string'],
    ['a text delta without its delta', { type: 'text-delta', id: 't' }, 'chunk 1 (text-delta): delta:'],
    ['a tool call with a numeric id', { type: 'tool-input-available', toolCallId: 1 }, 'toolCallId'],
    ['a data part without data', { type: 'data-x' }, 'chunk 1 (data-x): data:'],
    ['a data part without a name', { type: 'data-', data: 1 }, 'chunk 1: run event name:'],
    ['an empty tool call id', { type: 'tool-input-delta', toolCallId: '', inputTextDelta: 'x' }, 'tool_call_id'],
  ])('refuses %s, naming the chunk and the field', (_name, chunk, named) => {
    expect(() => steps(chunk)).toThrow(UiChunkError);
    expect(() => steps(chunk)).toThrow(named);
  });

  it('counts chunks so a refusal names which one', () => {
    expect(() => steps({ type: 'start' }, { type: 'text-delta', delta: 'a' }, { type: 'text-delta' })).toThrow(
      'chunk 3 (text-delta)',
    );
  });
});
