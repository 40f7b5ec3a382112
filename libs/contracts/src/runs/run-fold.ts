import { MessageBody, MessagePart } from '../message.schema';
import { RunEvent } from './run-event.schema';

/**
 * The tool name of a call whose input never completed (no `tool-call` event) and
 * whose name no tool result gave: `tool-input-delta` events carry no name.
 */
export const UNNAMED_TOOL = 'unknown';

/** The `data` part name an `error` event folds to. */
export const ERROR_DATA_PART = 'error';

/** The part type that marks where a step started (the AI SDK's `step-start`). */
export const STEP_START_PART = 'step_start';

interface ToolCallSlot {
  kind: 'tool_call';
  toolCallId: string;
  inputText: string;
  /** Set by the call's `tool-call` event. */
  call?: { toolName: string; input: unknown };
  results: MessagePart[];
}

type Slot =
  { kind: 'part'; part: MessagePart } | { kind: 'text'; type: 'text' | 'reasoning'; text: string } | ToolCallSlot;

/**
 * Folds a run's events (in run_seq order) into the ONE assistant message its
 * commit appends (docs/runs.md, "Folding: how a run becomes a message"):
 * - consecutive `text-delta` events coalesce into one text part, consecutive
 *   `reasoning-delta` events into one reasoning part; an event of any other kind
 *   in between (a step boundary included) starts a new part;
 * - a tool call's part sits where its first event was (`tool-input-delta` or
 *   `tool-call`); `tool-call` sets its name and final input; a call that never got
 *   its `tool-call` keeps the raw input text (`input_text`, `input_complete: false`);
 * - a `tool-result` becomes a tool_result part right after its call's part (after
 *   that call's earlier results), or where it came when the run has no such call;
 * - `file` -> file part, `data` -> data part, `error` -> data part named `error`,
 *   `step-started` -> step_start part, `step-finished` -> no part;
 * - a run with no part folds to one empty text part, so every commit appends one message.
 * The caller sets metadata and token_count.
 */
export function foldRun(events: readonly RunEvent[]): MessageBody {
  const slots: Slot[] = [];
  const calls = new Map<string, ToolCallSlot>();
  let open: Extract<Slot, { kind: 'text' }> | undefined;

  const callSlot = (toolCallId: string): ToolCallSlot => {
    let slot = calls.get(toolCallId);
    if (!slot) {
      slot = { kind: 'tool_call', toolCallId, inputText: '', results: [] };
      calls.set(toolCallId, slot);
      slots.push(slot);
    }
    return slot;
  };

  for (const event of events) {
    const continues = open !== undefined && open.type === deltaPartType(event.kind);
    if (!continues) {
      open = undefined;
    }
    switch (event.kind) {
      case 'text-delta':
      case 'reasoning-delta':
        if (open) {
          open.text += event.delta;
        } else {
          open = { kind: 'text', type: event.kind === 'text-delta' ? 'text' : 'reasoning', text: event.delta };
          slots.push(open);
        }
        break;
      case 'tool-input-delta':
        callSlot(event.tool_call_id).inputText += event.delta;
        break;
      case 'tool-call': {
        callSlot(event.tool_call_id).call = { toolName: event.tool_name, input: event.input };
        break;
      }
      case 'tool-result': {
        const call = calls.get(event.tool_call_id);
        const part = toolResultPart(event, call);
        if (call) {
          call.results.push(part);
        } else {
          slots.push({ kind: 'part', part });
        }
        break;
      }
      case 'file':
        slots.push({
          kind: 'part',
          part: {
            type: 'file',
            media_type: event.media_type,
            url: event.url,
            ...(event.name !== undefined && { name: event.name }),
          },
        });
        break;
      case 'data':
        slots.push({ kind: 'part', part: { type: 'data', name: event.name, data: event.value } });
        break;
      case 'error':
        slots.push({ kind: 'part', part: { type: 'data', name: ERROR_DATA_PART, data: { message: event.message } } });
        break;
      case 'step-started':
        slots.push({ kind: 'part', part: { type: STEP_START_PART } });
        break;
      case 'step-finished':
        break;
    }
  }

  const parts = slots.flatMap(partsOf);
  return { role: 'assistant', parts: parts.length > 0 ? parts : [{ type: 'text', text: '' }] };
}

function deltaPartType(kind: RunEvent['kind']): 'text' | 'reasoning' | undefined {
  if (kind === 'text-delta') return 'text';
  if (kind === 'reasoning-delta') return 'reasoning';
  return undefined;
}

function toolResultPart(event: Extract<RunEvent, { kind: 'tool-result' }>, call?: ToolCallSlot): MessagePart {
  const toolName = event.tool_name ?? call?.call?.toolName;
  return {
    type: 'tool_result',
    tool_call_id: event.tool_call_id,
    ...(toolName !== undefined && { tool_name: toolName }),
    output: event.output,
    ...(event.is_error !== undefined && { is_error: event.is_error }),
  };
}

function partsOf(slot: Slot): MessagePart[] {
  switch (slot.kind) {
    case 'part':
      return [slot.part];
    case 'text':
      return [{ type: slot.type, text: slot.text }];
    case 'tool_call':
      return [toolCallPart(slot), ...slot.results];
  }
}

function toolCallPart(slot: ToolCallSlot): MessagePart {
  if (slot.call) {
    return { type: 'tool_call', tool_call_id: slot.toolCallId, tool_name: slot.call.toolName, input: slot.call.input };
  }
  const named = slot.results.find((result) => typeof result.tool_name === 'string');
  return {
    type: 'tool_call',
    tool_call_id: slot.toolCallId,
    tool_name: typeof named?.tool_name === 'string' ? named.tool_name : UNNAMED_TOOL,
    input_text: slot.inputText,
    input_complete: false,
  };
}
