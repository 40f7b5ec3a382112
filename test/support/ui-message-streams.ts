import { createUIMessageStream, createUIMessageStreamResponse, simulateReadableStream, streamText, tool } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { z } from 'zod';

const usage = {
  inputTokens: { total: 3, noCache: 3, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 9, text: 6, reasoning: 3 },
};

/** What weatherAgentResponse's model streams: a thought, a weather tool call for Oslo, then three text deltas. */
export const WEATHER_REPLY = {
  reasoning: 'Need the weather.',
  toolCallId: 'call-1',
  input: { city: 'Oslo' },
  output: { city: 'Oslo', celsius: 3 },
  textDeltas: ['It is ', '3 degrees ', 'in Oslo.'],
};

/** A mock model (no network) that thinks, calls the weather tool, then answers. */
function weatherModel(): MockLanguageModelV3 {
  const r = WEATHER_REPLY;
  return new MockLanguageModelV3({
    doStream: () =>
      Promise.resolve({
        stream: simulateReadableStream({
          chunks: [
            { type: 'stream-start' as const, warnings: [] },
            { type: 'reasoning-start' as const, id: 'r1' },
            { type: 'reasoning-delta' as const, id: 'r1', delta: r.reasoning },
            { type: 'reasoning-end' as const, id: 'r1' },
            { type: 'tool-input-start' as const, id: r.toolCallId, toolName: 'weather' },
            { type: 'tool-input-delta' as const, id: r.toolCallId, delta: JSON.stringify(r.input) },
            { type: 'tool-input-end' as const, id: r.toolCallId },
            {
              type: 'tool-call' as const,
              toolCallId: r.toolCallId,
              toolName: 'weather',
              input: JSON.stringify(r.input),
            },
            { type: 'text-start' as const, id: 't1' },
            ...r.textDeltas.map((delta) => ({ type: 'text-delta' as const, id: 't1', delta })),
            { type: 'text-end' as const, id: 't1' },
            { type: 'finish' as const, finishReason: { unified: 'stop' as const, raw: 'stop' }, usage },
          ],
        }),
      }),
  });
}

/** `streamText(...).toUIMessageStreamResponse()` of the weather model, exactly what an agent sends. */
export function weatherAgentResponse(): Response {
  return streamText({
    model: weatherModel(),
    prompt: 'Weather in Oslo?',
    tools: {
      weather: tool({
        inputSchema: z.object({ city: z.string() }),
        execute: ({ city }) => Promise.resolve({ ...WEATHER_REPLY.output, city }),
      }),
    },
  }).toUIMessageStreamResponse();
}

/** A UI message stream that writes some text, then an error chunk (as a model or tool failure does). */
export function failingAgentResponse(errorText: string): Response {
  return createUIMessageStreamResponse({
    stream: createUIMessageStream({
      execute: ({ writer }) => {
        writer.write({ type: 'start' });
        writer.write({ type: 'text-start', id: 't' });
        writer.write({ type: 'text-delta', id: 't', delta: 'partial' });
        writer.write({ type: 'error', errorText });
      },
    }),
  });
}
