import { Message } from '../types';
import { Output } from './output';

/** A message as one output line: the whole message as JSON, or `seq  actor/role  text` for people. */
export function printMessage(out: Output, message: Message): void {
  if (out.json) {
    out.line(message);
    return;
  }
  const text = message.parts
    .map((part) => (typeof part.text === 'string' ? part.text : `[${part.type}]`))
    .join(' ')
    .replace(/\s+/g, ' ');
  out.text(`${String(message.seq).padStart(6)}  ${(message.actor ?? message.role).padEnd(20)}  ${text}`);
}
