import type { RunEventBody } from '@threadline/contracts';
import { WEATHER_REPLY, weatherAgentResponse } from '../../../../../test/support/ui-message-streams';
import { SseDataParser } from './sse-data-parser';
import { ChunkStep, UiChunkMapper } from './ui-chunk-mapper';

describe('a UI message stream the ai package produces', () => {
  it('is text/event-stream whose chunks map, however cut, to the events the model streamed, then the end', async () => {
    const response = weatherAgentResponse();
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const bytes = new Uint8Array(await response.arrayBuffer());
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
        { kind: 'reasoning-delta', delta: WEATHER_REPLY.reasoning },
        { kind: 'tool-input-delta', tool_call_id: 'call-1', delta: JSON.stringify(WEATHER_REPLY.input) },
        { kind: 'tool-call', tool_call_id: 'call-1', tool_name: 'weather', input: WEATHER_REPLY.input },
        ...WEATHER_REPLY.textDeltas.map((delta) => ({ kind: 'text-delta', delta })),
        { kind: 'tool-result', tool_call_id: 'call-1', tool_name: 'weather', output: WEATHER_REPLY.output },
        { kind: 'step-finished' },
      ]);
      expect(steps.slice(-2).map((s) => s.kind)).toEqual(['finish', 'done']);
    }
  });
});
