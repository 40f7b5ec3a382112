import { Command } from 'commander';
import { contextOf, integer, jsonObject } from '../context';
import { UsageError } from '../exit-codes';

const COLUMNS = ['id', 'last_seq', 'tombstoned', 'metadata', 'created_at'];

/** `threadline conversations create|get|list|delete`. */
export function conversationsCommand(): Command {
  const conversations = new Command('conversations').description('create, read, list and delete conversations');
  conversations
    .command('create <id>')
    .description('create a conversation, or show the existing one (its metadata unchanged)')
    .option('--metadata <json>', 'metadata of a new conversation (a JSON object)', jsonObject('--metadata'))
    .action(async (id: string, options: { metadata?: Record<string, unknown> }, command: Command) => {
      const { client, out } = contextOf(command);
      await client.conversation(id, { metadata: options.metadata });
      out.record(await client.getConversation(id));
    });
  conversations
    .command('get <id>')
    .description('show a conversation')
    .action(async (id: string, _options: object, command: Command) => {
      const { client, out } = contextOf(command);
      out.record(await client.getConversation(id));
    });
  conversations
    .command('list')
    .description("list the tenant's conversations, oldest first")
    .option('--limit <n>', 'at most this many (1-1000)', integer('--limit'))
    .option('--cursor <cursor>', 'the next_cursor of the page before')
    .option('--archived <which>', 'false (default), true or all')
    .option('--metadata <key=value...>', 'only conversations whose metadata has these string values')
    .action(
      async (
        options: { limit?: number; cursor?: string; archived?: 'true' | 'false' | 'all'; metadata?: string[] },
        command: Command,
      ) => {
        const { client, out } = contextOf(command);
        const metadata: Record<string, string> = {};
        for (const pair of options.metadata ?? []) {
          const at = pair.indexOf('=');
          if (at <= 0) {
            throw new UsageError(`--metadata takes key=value pairs, got "${pair}"`);
          }
          metadata[pair.slice(0, at)] = pair.slice(at + 1);
        }
        const page = await client.listConversations({ ...options, metadata });
        out.rows(page.conversations, COLUMNS);
        if (!out.json && page.next_cursor !== null) {
          out.text(`next cursor: ${page.next_cursor}`);
        }
      },
    );
  conversations
    .command('delete <id>')
    .description('delete a conversation (a durable tombstone; its messages stay readable)')
    .action(async (id: string, _options: object, command: Command) => {
      const { client, out } = contextOf(command);
      await client.tombstoneConversation(id);
      out.record({ id, deleted: true });
    });
  return conversations;
}
