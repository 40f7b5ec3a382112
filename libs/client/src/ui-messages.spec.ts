import { Message } from './types';
import { fromUIMessage, toUIMessage, UIMessage } from './ui-messages';

const stored = (fields: Partial<Message>): Message => ({
  seq: 7,
  version: 7,
  role: 'assistant',
  parts: [],
  metadata: {},
  token_count: 1,
  actor: 'agent:planner',
  producer_id: null,
  producer_seq: null,
  inserted_at: '2026-12-01T00:00:00.000Z',
  ...fields,
});

describe('UI message interop', () => {
  it("folds a tool call and its result into one tool part and maps the other parts to the AI SDK's names", () => {
    const message = stored({
      parts: [
        { type: 'step_start' },
        { type: 'reasoning', text: 'think' },
        { type: 'tool_call', tool_call_id: 'c1', tool_name: 'weather', input: { city: 'Oslo' } },
        { type: 'tool_result', tool_call_id: 'c1', tool_name: 'weather', output: { c: 3 } },
        { type: 'data', name: 'error', data: { message: 'x' } },
        { type: 'file', media_type: 'image/png', url: 'https://x/y.png', name: 'y.png' },
        { type: 'text', text: 'It is 3.' },
      ],
    });
    expect(toUIMessage(message)).toEqual({
      id: 'seq-7',
      role: 'assistant',
      metadata: { seq: 7, actor: 'agent:planner', role: 'assistant' },
      parts: [
        { type: 'step-start' },
        { type: 'reasoning', text: 'think' },
        {
          type: 'tool-weather',
          toolCallId: 'c1',
          state: 'output-available',
          input: { city: 'Oslo' },
          output: { c: 3 },
        },
        { type: 'data-error', data: { message: 'x' } },
        { type: 'file', mediaType: 'image/png', url: 'https://x/y.png', filename: 'y.png' },
        { type: 'text', text: 'It is 3.' },
      ],
    });
  });

  it('round-trips what useChat sends: the UI message id is kept in metadata and comes back as the id', () => {
    const sent: UIMessage = {
      id: 'ui-1',
      role: 'assistant',
      parts: [
        { type: 'text', text: 'Hello' },
        { type: 'tool-lookup', toolCallId: 'c2', state: 'output-error', input: { q: 1 }, errorText: 'boom' },
      ],
    };
    const input = fromUIMessage(sent);
    expect(input.parts).toEqual([
      { type: 'text', text: 'Hello' },
      { type: 'tool_call', tool_call_id: 'c2', tool_name: 'lookup', input: { q: 1 } },
      { type: 'tool_result', tool_call_id: 'c2', tool_name: 'lookup', output: 'boom', is_error: true },
    ]);
    const back = toUIMessage(stored({ ...input, metadata: input.metadata ?? {} }));
    expect(back.id).toBe('ui-1');
    expect(back.parts).toEqual(sent.parts);
  });
});
