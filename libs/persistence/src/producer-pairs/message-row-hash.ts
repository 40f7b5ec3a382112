import { MessageBody, messageContentHash } from '@threadline/contracts';

/** The columns of a `messages` row that hold the message body. */
export interface MessageBodyColumns {
  role: string | null;
  parts: unknown[] | null;
  metadata: Record<string, unknown> | null;
  tokenCount: number | null;
}

/**
 * The producer-pair content hash of a message row: its columns are the body of
 * the `message.appended` event it came from (metadata `{}` when the body had
 * none, token_count null when it had none), so this equals the hash the command
 * computed for that body.
 */
export function messageRowContentHash(row: MessageBodyColumns): string {
  return messageContentHash({
    role: row.role,
    parts: row.parts,
    metadata: row.metadata ?? undefined,
    token_count: row.tokenCount ?? undefined,
  } as MessageBody);
}
