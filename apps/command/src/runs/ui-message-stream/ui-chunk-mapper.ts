import { z } from 'zod';
import { checkRunEvent, RunEventBody } from '@threadline/contracts';

/** What one chunk of the stream asks of the run. */
export type ChunkStep =
  | { kind: 'events'; events: RunEventBody[] }
  | { kind: 'fail'; message: string }
  | { kind: 'cancel' }
  | { kind: 'finish' }
  | { kind: 'done' }
  | { kind: 'ignored' };

/** A chunk that is not JSON, not a chunk, or a known chunk with a field missing or wrong; the message names it. */
export class UiChunkError extends Error {}

/** The stream's end marker (`data: [DONE]`), as `toUIMessageStreamResponse()` writes it. */
export const DONE_MARKER = '[DONE]';

const str = z.string();
const chunkSchemas = {
  'text-delta': z.object({ delta: str }),
  'reasoning-delta': z.object({ delta: str }),
  'tool-input-start': z.object({ toolCallId: str, toolName: str }),
  'tool-input-delta': z.object({ toolCallId: str, inputTextDelta: str }),
  'tool-input-available': z.object({ toolCallId: str, toolName: str, input: z.unknown() }),
  'tool-input-error': z.object({ toolCallId: str, toolName: str, input: z.unknown(), errorText: str }),
  'tool-output-available': z.object({ toolCallId: str, output: z.unknown(), preliminary: z.boolean().optional() }),
  'tool-output-error': z.object({ toolCallId: str, errorText: str }),
  file: z.object({ url: str, mediaType: str }),
  error: z.object({ errorText: str }),
};
const dataChunkSchema = z.object({ data: z.unknown() });

type ChunkType = keyof typeof chunkSchemas;
type Chunk<T extends ChunkType> = z.infer<(typeof chunkSchemas)[T]>;

/** The UI chunk types without fields the run keeps (docs/runs.md, "Piping an AI SDK UI message stream"). */
const MARKER_STEPS = new Map<string, ChunkStep>([
  ['start-step', { kind: 'events', events: [{ kind: 'step-started' }] }],
  ['finish-step', { kind: 'events', events: [{ kind: 'step-finished' }] }],
  ['abort', { kind: 'cancel' }],
  ['finish', { kind: 'finish' }],
]);

/**
 * Maps the chunks of an AI SDK UI message stream (the `data:` of each event) to
 * run events, in order. It remembers each tool call's name from its start, so a
 * tool result names its tool. Chunk types it does not know are ignored, so a newer
 * `ai` that adds types still streams.
 */
export class UiChunkMapper {
  private readonly toolNames = new Map<string, string>();
  private chunks = 0;

  step(data: string): ChunkStep {
    this.chunks += 1;
    if (data === DONE_MARKER) {
      return { kind: 'done' };
    }
    const chunk = this.parse(data);
    const type = chunk.type;
    const marker = MARKER_STEPS.get(type);
    if (marker !== undefined) {
      return marker;
    }
    if (type.startsWith('data-')) {
      const { data: value } = this.checked(type, dataChunkSchema, chunk);
      return this.events([{ kind: 'data', name: type.slice('data-'.length), value }]);
    }
    if (!Object.hasOwn(chunkSchemas, type)) {
      return { kind: 'ignored' };
    }
    return this.known(type as ChunkType, chunk);
  }

  private known(type: ChunkType, chunk: Record<string, unknown>): ChunkStep {
    switch (type) {
      case 'text-delta':
        return this.events([{ kind: 'text-delta', delta: this.fields(type, chunk).delta }]);
      case 'reasoning-delta':
        return this.events([{ kind: 'reasoning-delta', delta: this.fields(type, chunk).delta }]);
      case 'tool-input-start': {
        const c = this.fields(type, chunk);
        this.toolNames.set(c.toolCallId, c.toolName);
        return { kind: 'ignored' };
      }
      case 'tool-input-delta': {
        const c = this.fields(type, chunk);
        return this.events([{ kind: 'tool-input-delta', tool_call_id: c.toolCallId, delta: c.inputTextDelta }]);
      }
      case 'tool-input-available':
        return this.events([this.toolCall(this.fields(type, chunk))]);
      case 'tool-input-error':
        return this.events([this.toolCall(this.fields(type, chunk))]);
      case 'tool-output-available': {
        const c = this.fields(type, chunk);
        return c.preliminary === true ? { kind: 'ignored' } : this.events([this.toolResult(c.toolCallId, c.output)]);
      }
      case 'tool-output-error': {
        const c = this.fields(type, chunk);
        return this.events([this.toolResult(c.toolCallId, c.errorText, true)]);
      }
      case 'file': {
        const c = this.fields(type, chunk);
        return this.events([{ kind: 'file', media_type: c.mediaType, url: c.url }]);
      }
      case 'error':
        return { kind: 'fail', message: this.fields(type, chunk).errorText };
    }
  }

  private toolCall(c: { toolCallId: string; toolName: string; input: unknown }): RunEventBody {
    this.toolNames.set(c.toolCallId, c.toolName);
    return { kind: 'tool-call', tool_call_id: c.toolCallId, tool_name: c.toolName, input: c.input };
  }

  private toolResult(toolCallId: string, output: unknown, isError = false): RunEventBody {
    const name = this.toolNames.get(toolCallId);
    return {
      kind: 'tool-result',
      tool_call_id: toolCallId,
      ...(name === undefined ? {} : { tool_name: name }),
      output,
      ...(isError ? { is_error: true } : {}),
    };
  }

  /** The events, each checked as POST /v1/runs/{id}/events checks them, so a refusal names the chunk. */
  private events(events: RunEventBody[]): ChunkStep {
    for (const event of events) {
      const check = checkRunEvent(event);
      if (!check.ok) {
        throw new UiChunkError(`chunk ${this.chunks}: run event ${check.path}: ${check.message}`);
      }
    }
    return { kind: 'events', events };
  }

  private parse(data: string): Record<string, unknown> & { type: string } {
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      throw new UiChunkError(`chunk ${this.chunks}: not JSON`);
    }
    if (chunk === null || typeof chunk !== 'object' || Array.isArray(chunk)) {
      throw new UiChunkError(`chunk ${this.chunks}: not a JSON object`);
    }
    const type = (chunk as { type?: unknown }).type;
    if (typeof type !== 'string') {
      throw new UiChunkError(`chunk ${this.chunks}: type must be a string`);
    }
    return chunk as Record<string, unknown> & { type: string };
  }

  private fields<T extends ChunkType>(type: T, chunk: Record<string, unknown>): Chunk<T> {
    return this.checked(type, chunkSchemas[type], chunk) as Chunk<T>;
  }

  private checked<S extends z.ZodType>(type: string, schema: S, chunk: Record<string, unknown>): z.infer<S> {
    const parsed = schema.safeParse(chunk);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new UiChunkError(`chunk ${this.chunks} (${type}): ${issue.path.map(String).join('.')}: ${issue.message}`);
    }
    return parsed.data;
  }
}
