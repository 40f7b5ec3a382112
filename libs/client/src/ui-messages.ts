import { Message, MessageInput, Part } from './types';

/** The AI SDK's UIMessage (`ai` v5+), as `useChat` holds it; declared here so the SDK does not depend on `ai`. */
export interface UIMessage {
  id: string;
  role: 'system' | 'user' | 'assistant';
  metadata?: unknown;
  parts: UIPart[];
}

export type UIPart = { type: string; [field: string]: unknown };

/** Threadline messages as UIMessages, so a `useChat` front end loads its history from Threadline. */
export function toUIMessages(messages: Message[]): UIMessage[] {
  return messages.map(toUIMessage);
}

export function toUIMessage(message: Message): UIMessage {
  const results = new Map<string, Part>();
  for (const part of message.parts) {
    if (part.type === 'tool_result' && typeof part.tool_call_id === 'string') {
      results.set(part.tool_call_id, part);
    }
  }
  const parts: UIPart[] = [];
  for (const part of message.parts) {
    if (part.type !== 'tool_result' || !results.has(String(part.tool_call_id))) {
      parts.push(uiPart(part, results));
    }
  }
  return {
    id: typeof message.metadata.ui_message_id === 'string' ? message.metadata.ui_message_id : `seq-${message.seq}`,
    role: message.role === 'user' || message.role === 'system' ? message.role : 'assistant',
    metadata: { ...message.metadata, seq: message.seq, actor: message.actor, role: message.role },
    parts,
  };
}

function uiPart(part: Part, results: Map<string, Part>): UIPart {
  switch (part.type) {
    case 'text':
    case 'reasoning':
      return { type: part.type, text: part.text };
    case 'step_start':
      return { type: 'step-start' };
    case 'file':
      return { type: 'file', mediaType: part.media_type, url: part.url, ...(part.name ? { filename: part.name } : {}) };
    case 'data':
      return { type: `data-${typeof part.name === 'string' ? part.name : 'value'}`, data: part.data };
    case 'tool_call': {
      const name = String(part.tool_name ?? part.name);
      const result = results.get(String(part.tool_call_id));
      const input = part.input ?? part.payload;
      if (result === undefined) {
        return { type: `tool-${name}`, toolCallId: part.tool_call_id, state: 'input-available', input };
      }
      return result.is_error === true
        ? {
            type: `tool-${name}`,
            toolCallId: part.tool_call_id,
            state: 'output-error',
            input,
            errorText: String(result.output),
          }
        : {
            type: `tool-${name}`,
            toolCallId: part.tool_call_id,
            state: 'output-available',
            input,
            output: result.output,
          };
    }
    default:
      return { type: `data-${part.type}`, data: part };
  }
}

/** A UIMessage (what `useChat` sends) as a message to append: its parts in Threadline's part names. */
export function fromUIMessage(message: UIMessage): MessageInput {
  const parts: Part[] = [];
  for (const part of message.parts) {
    parts.push(...threadlineParts(part));
  }
  return { role: message.role, parts, metadata: { ui_message_id: message.id } };
}

function threadlineParts(part: UIPart): Part[] {
  if (part.type === 'text' || part.type === 'reasoning') {
    return [{ type: part.type, text: part.text }];
  }
  if (part.type === 'step-start') {
    return [{ type: 'step_start' }];
  }
  if (part.type === 'file') {
    return [
      { type: 'file', media_type: part.mediaType, url: part.url, ...(part.filename ? { name: part.filename } : {}) },
    ];
  }
  if (part.type.startsWith('data-')) {
    return [{ type: 'data', name: part.type.slice('data-'.length), data: part.data }];
  }
  if (part.type.startsWith('tool-') || part.type === 'dynamic-tool') {
    const toolName = part.type === 'dynamic-tool' ? String(part.toolName) : part.type.slice('tool-'.length);
    const call: Part = { type: 'tool_call', tool_call_id: part.toolCallId, tool_name: toolName, input: part.input };
    if (part.state === 'output-available') {
      return [call, { type: 'tool_result', tool_call_id: part.toolCallId, tool_name: toolName, output: part.output }];
    }
    if (part.state === 'output-error') {
      const failed = {
        type: 'tool_result',
        tool_call_id: part.toolCallId,
        tool_name: toolName,
        output: part.errorText,
      };
      return [call, { ...failed, is_error: true }];
    }
    return [call];
  }
  return [{ ...part }];
}
