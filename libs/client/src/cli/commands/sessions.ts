import { Command } from 'commander';
import { SessionEventInput } from '../../resources/sessions';
import { contextOf, integer, jsonObject, readStdin } from '../context';
import { UsageError } from '../exit-codes';

const SESSION_COLUMNS = ['id', 'title', 'last_seq', 'version', 'archived', 'updated_at'];
const EVENT_COLUMNS = ['seq', 'type', 'actor', 'source', 'payload', 'inserted_at'];

interface AppendOptions {
  type?: string;
  payload?: Record<string, unknown>;
  source?: string;
  expectedSeq?: number;
  idempotencyKey?: string;
}

/** The event to append: `--type` with `--payload`, or a whole JSON event on stdin. */
async function eventOf(options: AppendOptions): Promise<SessionEventInput> {
  const flags = {
    ...(options.source === undefined ? {} : { source: options.source }),
    ...(options.expectedSeq === undefined ? {} : { expected_seq: options.expectedSeq }),
    ...(options.idempotencyKey === undefined ? {} : { idempotency_key: options.idempotencyKey }),
  };
  if (options.type !== undefined) {
    return { type: options.type, payload: options.payload ?? {}, ...flags };
  }
  const json = process.stdin.isTTY ? '' : await readStdin();
  if (json.trim() === '') {
    throw new UsageError('give the event: --type T [--payload JSON], or a JSON event on stdin');
  }
  try {
    return { ...(JSON.parse(json) as SessionEventInput), ...flags };
  } catch {
    throw new UsageError('the event is not JSON');
  }
}

/** `threadline sessions create|get|list|update|archive|unarchive|append|events` (Starcite's shapes). */
export function sessionsCommand(): Command {
  const sessions = new Command('sessions').description("sessions in Starcite's shapes (a session is a conversation)");
  sessions
    .command('create')
    .description('create a session (a new id unless --id)')
    .option('--id <id>', 'the session id')
    .option('--title <title>', 'its title')
    .option('--metadata <json>', 'its metadata', jsonObject('--metadata'))
    .action(async (options: { id?: string; title?: string; metadata?: Record<string, unknown> }, command: Command) => {
      const { client, out } = contextOf(command);
      out.record(await client.sessions.create(options));
    });
  sessions
    .command('get <id>')
    .description('a session')
    .action(async (id: string, _options: object, command: Command) => {
      const { client, out } = contextOf(command);
      out.record(await client.sessions.get(id));
    });
  sessions
    .command('list')
    .description('the sessions, one page')
    .option('--limit <n>', 'how many', integer('--limit'))
    .option('--cursor <cursor>', 'the next_cursor of the previous page')
    .option('--archived <which>', 'true, false (default) or all')
    .action(
      async (options: { limit?: number; cursor?: string; archived?: 'true' | 'false' | 'all' }, command: Command) => {
        const { client, out } = contextOf(command);
        out.rows((await client.sessions.list(options)).sessions, SESSION_COLUMNS);
      },
    );
  sessions
    .command('update <id>')
    .description('change the title or metadata (exit 4 when --expected-version is not the version)')
    .option('--title <title>', 'the new title')
    .option('--metadata <json>', 'metadata to merge', jsonObject('--metadata'))
    .option('--expected-version <n>', 'update only at this version', integer('--expected-version'))
    .action(
      async (
        id: string,
        options: { title?: string; metadata?: Record<string, unknown>; expectedVersion?: number },
        command: Command,
      ) => {
        const { client, out } = contextOf(command);
        const changes = {
          title: options.title,
          metadata: options.metadata,
          expected_version: options.expectedVersion,
        };
        out.record(await client.sessions.update(id, changes));
      },
    );
  sessions
    .command('archive <id>')
    .description('archive a session')
    .action(async (id: string, _options: object, command: Command) => {
      const { client, out } = contextOf(command);
      out.record(await client.sessions.archive(id));
    });
  sessions
    .command('unarchive <id>')
    .description('unarchive a session')
    .action(async (id: string, _options: object, command: Command) => {
      const { client, out } = contextOf(command);
      out.record(await client.sessions.archive(id, false));
    });
  sessions
    .command('append <id>')
    .description("append an event with the client's producer pair (retried safely)")
    .option('--type <type>', 'the event type, e.g. content')
    .option('--payload <json>', 'the event payload', jsonObject('--payload'))
    .option('--source <source>', 'where the event comes from')
    .option(
      '--expected-seq <n>',
      'append only when the session is at this seq (exit 4 otherwise)',
      integer('--expected-seq'),
    )
    .option('--idempotency-key <key>', "Starcite's idempotency key")
    .action(async (id: string, options: AppendOptions, command: Command) => {
      const { client, out } = contextOf(command);
      out.record(await client.sessions.append(id, await eventOf(options)));
    });
  sessions
    .command('events <id>')
    .description('the events after a cursor, one page')
    .option('--cursor <n>', 'the last seq already seen', integer('--cursor'), 0)
    .option('--limit <n>', 'how many', integer('--limit'))
    .action(async (id: string, options: { cursor: number; limit?: number }, command: Command) => {
      const { client, out } = contextOf(command);
      out.rows((await client.sessions.events(id, options)).events, EVENT_COLUMNS);
    });
  return sessions;
}
