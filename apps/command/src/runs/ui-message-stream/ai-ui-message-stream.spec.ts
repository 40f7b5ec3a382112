import { simulateReadableStream, streamText, tool } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { z } from 'zod';
import type { RunEventBody } from '@threadline/contracts';
import { SseDataParser } from './sse-data-parser';
import { ChunkStep, UiChunkMapper } from './ui-chunk-mapper';

const usage = {
  inputTokens: { total: 3, noCache: 3, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 9, text: 6, reasoning: 3 },
};

/** A model that thinks, calls the weather tool, then answers in three deltas. */
function weatherModel() {
  return new MockLanguageModelV3({
    doStream: () =>
      Promise.resolve({
        stream: simulateReadableStream({
          chunks: [
            { type: 'stream-start' as const, warnings: [] },
            { type: 'reasoning-start' as const, id: 'r1' },
            { type: 'reasoning-delta' as const, id: 'r1', delta: 'Need the weather.' },
            { type: 'reasoning-end' as const, id: 'r1' },
            { type: 'tool-input-start' as const, id: 'call-1', toolName: 'weather' },
            { type: 'tool-input-delta' as const, id: 'call-1', delta: '{"city":"Oslo"}' },
            { type: 'tool-input-end' as const, id: 'call-1' },
            { type: 'tool-call' as const, toolCallId: 'call-1', toolName: 'weather', input: '{"city":"Oslo"}' },
            { type: 'text-start' as const, id: 't1' },
            { type: 'text-delta' as const, id: 't1', delta: 'It is ' },
            { type: 'text-delta' as const, id: 't1', delta: '3 degrees ' },
            { type: 'text-delta' as const, id: 't1', delta: 'in Oslo.' },
            { type: 'text-end' as const, id: 't1' },
            { type: 'finish' as const, finishReason: { unified: 'stop' as const, raw: 'stop' }, usage },
          ],
        }),
      }),
  });
}

/** The bytes of `toUIMessageStreamResponse()`, exactly as an agent would send them. */
async function uiMessageStreamBytes(): Promise<{ contentType: string | null; bytes: Uint8Array }> {
  const result = streamText({
    model: weatherModel(),
    prompt: 'Weather in Oslo?',
    tools: {
      weather: tool({
        inputSchema: z.object({ city: z.string() }),
        execute: ({ city }) => Promise.resolve({ city, celsius: 3 }),
      }),
    },
  });
  const response = result.toUIMessageStreamResponse();
  return { contentType: response.headers.get('content-type'), bytes: new Uint8Array(await response.arrayBuffer()) };
}

describe('a UI message stream the ai package produces', () => {
  it('is text/event-stream whose chunks map, however cut, to the events the model streamed, then the end', async () => {
    const { contentType, bytes } = await uiMessageStreamBytes();
    expect(contentType).toMatch(/^text\/event-stream/);
    for (const size of [1, 7, bytes.length]) {
      const parser = new SseDataParser();
      const mapper = new UiChunkMapper();
      const steps: ChunkStep[] = [];
      for (let at = 0; at < bytes.length; at += size) {
        steps.push(...parser.push(bytes.subarray(at, at + size)).map((data) => mapper.step(data)));
      }
      steps.push(...parser.end().map((data) => mapper.step(data)));
      const events: RunEventBody[] = steps.flatMap((s) => (s.kind === 'events' ? s.events : []));
      expect(events).toEqual([
        { kind: 'step-started' },
        { kind: 'reasoning-delta', delta: 'Need the weather.' },
        { kind: 'tool-input-delta', tool_call_id: 'call-1', delta: '{"city":"Oslo"}' },
        { kind: 'tool-call', tool_call_id: 'call-1', tool_name: 'weather', input: { city: 'Oslo' } },
        { kind: 'text-delta', delta: 'It is ' },
        { kind: 'text-delta', delta: '3 degrees ' },
        { kind: 'text-delta', delta: 'in Oslo.' },
        {
          kind: 'tool-result',
          tool_call_id: 'call-1',
          tool_name: 'weather',
          output: { city: 'Oslo', celsius: 3 },
        },
        { kind: 'step-finished' },
      ]);
      expect(steps.slice(-2).map((s) => s.kind)).toEqual(['finish', 'done']);
    }
  });
});
