import { createInterface } from 'node:readline';
import { Command } from 'commander';
import { contextOf } from '../context';
import { UsageError } from '../exit-codes';

/** The producer id of imported messages: each line's seq is its producer_seq, so importing again writes nothing twice. */
const IMPORT_PRODUCER = 'threadline-import';

interface ExportedMessage {
  seq: number;
  role: string;
  parts: { type: string }[];
  metadata?: Record<string, unknown>;
  token_count?: number;
}

/** `threadline export ID > file.ndjson` and `threadline import ID < file.ndjson`. */
export function transferCommands(): Command[] {
  const exporter = new Command('export')
    .argument('<id>', 'conversation id')
    .description('write every message of the conversation as NDJSON (one message a line) to stdout')
    .action(async (id: string, _options: object, command: Command) => {
      const { client } = contextOf(command);
      for await (const message of client.handle(id).messages()) {
        process.stdout.write(`${JSON.stringify(message)}\n`);
      }
    });

  const importer = new Command('import')
    .argument('<id>', 'conversation id (created if absent)')
    .description('append the NDJSON messages on stdin; importing the same file again writes nothing twice')
    .action(async (id: string, _options: object, command: Command) => {
      const { client, out } = contextOf(command);
      const convo = await client.conversation(id);
      let imported = 0;
      let deduped = 0;
      let line = 0;
      for await (const text of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
        line += 1;
        if (text.trim() === '') {
          continue;
        }
        const message = parseLine(text, line);
        const result = await convo.appendAs(
          { role: message.role, parts: message.parts, metadata: message.metadata, token_count: message.token_count },
          { producer_id: IMPORT_PRODUCER, producer_seq: message.seq },
        );
        if (result.deduped) {
          deduped += 1;
        } else {
          imported += 1;
        }
      }
      out.record({ id, imported, deduped });
    });
  return [exporter, importer];
}

function parseLine(text: string, line: number): ExportedMessage {
  try {
    const message = JSON.parse(text) as ExportedMessage;
    if (Number.isSafeInteger(message.seq) && typeof message.role === 'string' && Array.isArray(message.parts)) {
      return message;
    }
  } catch {
    // reported below
  }
  throw new UsageError(`line ${line}: expected a message as export writes it ({"seq","role","parts",...})`);
}
