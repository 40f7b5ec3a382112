import { ConflictError } from './errors';
import { backoffMs, sleep } from './http/sleep';
import { CallOptions } from './options';
import { Conversation } from './conversation';
import { AppendResult, ConversationRecord, MessageInput } from './types';

/**
 * The read–append–retry-on-409 loop: reads the conversation, builds the message from what it read, appends it
 * with `ifVersion` at that version, and on a `conflict` reads again and rebuilds. Each attempt is its own append
 * (its own producer pair), so a retried request is never written twice and a rebuilt message never collides with
 * the one it replaces.
 */
export async function appendWithVersionRetry(
  conversation: Conversation,
  build: (current: ConversationRecord) => MessageInput | Promise<MessageInput>,
  options: CallOptions & { maxAttempts?: number } = {},
): Promise<AppendResult> {
  const maxAttempts = options.maxAttempts ?? 10;
  for (let attempt = 1; ; attempt += 1) {
    const current = await conversation.get({ signal: options.signal });
    try {
      return await conversation.append(await build(current), { ifVersion: current.version, signal: options.signal });
    } catch (error) {
      if (!(error instanceof ConflictError) || error.code !== 'conflict' || attempt >= maxAttempts) {
        throw error;
      }
      await sleep(backoffMs(attempt, 20, 1000), options.signal);
    }
  }
}
