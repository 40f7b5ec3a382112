import { contentHash } from './content-hash';
import { MessageBody } from './message.schema';

/**
 * The hash a producer pair is checked against (docs/consistency.md, "Producer
 * pairs"): the message body as the command puts it in `message.appended`, with
 * `metadata` defaulting to `{}`. The command hashes the body it produces; the
 * projector hashes the body it reads back (from the event, or a row's columns),
 * and both give the same hash because `contentHash` ignores key order and
 * absent (undefined) fields.
 */
export function messageContentHash(message: MessageBody): string {
  return contentHash({ ...message, metadata: message.metadata ?? {} });
}
