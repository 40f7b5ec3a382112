import { Command } from 'commander';
import { MessageInput } from '../../types';
import { contextOf, integer, readStdin } from '../context';
import { UsageError } from '../exit-codes';
import { printMessage } from '../message-lines';

interface AppendOptions {
  role: string;
  text?: string;
  message?: string;
  ifVersion?: number;
}

/** The message to append: `--text` (with `--role`), `--message <json>`, or a JSON message on stdin. */
async function messageOf(options: AppendOptions): Promise<MessageInput> {
  if (options.text !== undefined) {
    return { role: options.role, parts: [{ type: 'text', text: options.text }] };
  }
  const json = options.message ?? (process.stdin.isTTY ? undefined : await readStdin());
  if (json === undefined || json.trim() === '') {
    throw new UsageError('give the message: --text "...", --message <json>, or a JSON message on stdin');
  }
  try {
    return JSON.parse(json) as MessageInput;
  } catch {
    throw new UsageError('the message is not JSON');
  }
}

/** `threadline append`, `tail` and `replay`. */
export function messageCommands(): Command[] {
  const append = new Command('append')
    .argument('<id>', 'conversation id')
    .description('append a message (retried safely: a retry is never written twice)')
    .option('--role <role>', 'the role of a --text message', 'user')
    .option('--text <text>', 'a text message')
    .option('--message <json>', 'the whole message as JSON ({"role","parts",...}); or pipe it on stdin')
    .option('--if-version <n>', 'append only at this version (exit 4 on conflict)', integer('--if-version'))
    .action(async (id: string, options: AppendOptions, command: Command) => {
      const { client, out } = contextOf(command);
      out.record(await client.handle(id).append(await messageOf(options), { ifVersion: options.ifVersion }));
    });

  const tail = new Command('tail')
    .argument('<id>', 'conversation id')
    .description('the newest messages; with -f, then follow live (survives reconnects) until interrupted')
    .option('-f, --follow', 'keep printing new messages as they are appended')
    .option('--cursor <n>', 'with -f: follow from after this seq instead of the newest messages', integer('--cursor'))
    .option('--limit <n>', 'how many of the newest messages to print first', integer('--limit'), 20)
    .action(async (id: string, options: { follow?: boolean; cursor?: number; limit: number }, command: Command) => {
      const { client, out } = contextOf(command);
      const convo = client.handle(id);
      let cursor = options.cursor;
      if (cursor === undefined) {
        const page = await convo.tail({ limit: Math.max(1, options.limit) });
        for (const entry of page.messages.slice(-options.limit)) {
          if (entry.kind === 'message') {
            printMessage(out, entry);
          }
        }
        cursor = page.messages.at(-1)?.seq ?? 0;
      }
      if (!options.follow) {
        return;
      }
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      process.once('SIGTERM', () => stop.abort());
      const subscription = await convo.subscribe({
        cursor,
        signal: stop.signal,
        onMessage: (message) => printMessage(out, message),
        onReconnect: (attempt) => process.stderr.write(`threadline: reconnecting (attempt ${attempt})\n`),
      });
      await subscription.done;
    });

  const replay = new Command('replay')
    .argument('<id>', 'conversation id')
    .description('every message from a seq to the end of the log')
    .option('--from <n>', 'the first seq', integer('--from'), 1)
    .option('--limit <n>', 'stop after this many messages', integer('--limit'))
    .action(async (id: string, options: { from: number; limit?: number }, command: Command) => {
      const { client, out } = contextOf(command);
      let printed = 0;
      for await (const message of client.handle(id).messages({ from: options.from })) {
        if (options.limit !== undefined && printed >= options.limit) {
          return;
        }
        printMessage(out, message);
        printed += 1;
      }
    });
  return [append, tail, replay];
}
