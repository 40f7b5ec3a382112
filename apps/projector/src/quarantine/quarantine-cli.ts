import { DataSource } from 'typeorm';
import { ConversationEvent, decodeRecord, DEFAULT_TENANT, EventType } from '@threadline/contracts';
import { dataSourceOptions, runStatement } from '@threadline/persistence';
import { ProjectorConfig } from '../config/projector.config';
import {
  findQuarantined,
  listQuarantined,
  markReapplied,
  QuarantinedRow,
  QuarantineScope,
} from './quarantine-statements';
import { ReapplyCredential } from './reapply-credential';

/** The producer id re-applied records are appended under; the quarantine id is the producer seq (idempotent). */
export const REAPPLY_PRODUCER_ID = 'threadline.quarantine';

const USAGE = `usage: main.js quarantine list [--all]
       main.js quarantine show <id>
       main.js quarantine reapply <id> --command-url <url>`;

/**
 * The operator's path for poison records (docs/operations.md): list them, show
 * one with its raw bytes, and re-apply one after a fix. Re-applying never
 * rewrites the seq its stand-in tombstone settled (every consumer already saw
 * that tombstone): the record's content is appended again through the command,
 * at a new seq, marked with where it came from, under a producer pair that makes
 * a repeated re-apply a no-op. With `adminKey` (THREADLINE_ADMIN_KEY) it acts for
 * the record's tenant through a key minted for it (ReapplyCredential); without,
 * only for the default tenant of a command running with AUTH_MODE=none.
 */
export async function runQuarantineCommand(
  config: ProjectorConfig,
  args: string[],
  adminKey?: string,
): Promise<number> {
  const [verb, id] = args;
  const scope: QuarantineScope = { consumer: config.projection.groupId, topic: config.kafka.topic };
  const dataSource = new DataSource(dataSourceOptions(config.postgres));
  await dataSource.initialize();
  try {
    if (verb === 'list') {
      const rows = await runStatement<QuarantinedRow[]>(
        dataSource.manager,
        listQuarantined(scope, args[1] === '--all'),
      );
      for (const row of rows) {
        print(summary(row));
      }
      return 0;
    }
    const row = id ? await findRow(dataSource, scope, id) : undefined;
    if (!row) {
      process.stderr.write(`${id ? `no quarantined record ${id}` : 'an id is needed'}\n${USAGE}\n`);
      return 2;
    }
    if (verb === 'show') {
      print({
        ...summary(row),
        key: row.record_key?.toString('utf8') ?? null,
        value: row.record_value?.toString('utf8'),
      });
      return 0;
    }
    const commandUrl = args[args.indexOf('--command-url') + 1];
    if (verb === 'reapply' && args.includes('--command-url') && commandUrl) {
      return await reapply(dataSource, scope, row, commandUrl, adminKey);
    }
    process.stderr.write(`${USAGE}\n`);
    return 2;
  } finally {
    await dataSource.destroy();
  }
}

async function findRow(
  dataSource: DataSource,
  scope: QuarantineScope,
  id: string,
): Promise<QuarantinedRow | undefined> {
  if (!/^\d{1,18}$/.test(id)) {
    return undefined;
  }
  const [row] = await runStatement<QuarantinedRow[]>(dataSource.manager, findQuarantined(scope, id));
  return row;
}

async function reapply(
  dataSource: DataSource,
  scope: QuarantineScope,
  row: QuarantinedRow,
  commandUrl: string,
  adminKey: string | undefined,
): Promise<number> {
  const decoded = decodeRecord({ value: row.record_value, timestamp: String(row.quarantined_at.getTime()) });
  if (decoded.kind === 'poison') {
    process.stderr.write(`record ${row.id} still does not decode: ${decoded.reason}\n`);
    return 1;
  }
  if (decoded.kind === 'fence') {
    process.stderr.write(`record ${row.id} is an index fence: it has no effect the command could request again\n`);
    return 1;
  }
  const tenantId = decoded.event.tenant_id;
  if (adminKey === undefined && tenantId !== DEFAULT_TENANT) {
    process.stderr.write(
      `record ${row.id} belongs to tenant ${tenantId}: set THREADLINE_ADMIN_KEY (an API key with scope admin) ` +
        `so reapply can act for that tenant\n`,
    );
    return 1;
  }
  let credential: ReapplyCredential;
  try {
    credential =
      adminKey === undefined
        ? ReapplyCredential.none(commandUrl)
        : await ReapplyCredential.mint(commandUrl, adminKey, tenantId);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 1;
  }
  try {
    const answer = await send(commandUrl, credential.headers(), decoded.event, row);
    if (answer.status >= 300) {
      process.stderr.write(`the command answered ${answer.status}: ${answer.body}\n`);
      return 1;
    }
    await runStatement(dataSource.manager, markReapplied(scope, row.id));
    print({
      id: row.id,
      reapplied: decoded.event.type,
      answer: answer.body ? (JSON.parse(answer.body) as unknown) : {},
    });
    return 0;
  } finally {
    await credential.revoke().catch((error: Error) => process.stderr.write(`${error.message}; revoke it by hand\n`));
  }
}

/** What re-applying an event means: its effect requested again through the command's API. */
async function send(
  commandUrl: string,
  credential: Record<string, string>,
  event: ConversationEvent,
  row: QuarantinedRow,
): Promise<{ status: number; body: string }> {
  const conversation = `${commandUrl}/v1/conversations/${encodeURIComponent(event.conversation_id)}`;
  const request = (method: string, url: string, body?: unknown) =>
    fetch(url, {
      method,
      headers: body === undefined ? credential : { ...credential, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(async (res) => ({ status: res.status, body: await res.text() }));
  switch (event.type) {
    case EventType.MessageAppended: {
      const { message } = event.data;
      const recovered = { seq: event.seq, partition: row.partition, offset: Number(row.kafka_offset) };
      return request('POST', `${conversation}/messages`, {
        message: { ...message, metadata: { ...message.metadata, threadline_recovered: recovered } },
        producer_id: REAPPLY_PRODUCER_ID,
        producer_seq: Number(row.id),
      });
    }
    case EventType.ConversationCreated:
      return request('PUT', conversation, { metadata: event.data.metadata, participants: event.data.participants });
    case EventType.ParticipantsSet:
      return request('PUT', conversation, { participants: event.data.participants });
    case EventType.ConversationDeleted:
      return request('DELETE', conversation);
    case EventType.ConversationUpdated: {
      const session = `${commandUrl}/v1/sessions/${encodeURIComponent(event.conversation_id)}`;
      const patched = await request('PATCH', session, { title: event.data.title, metadata: event.data.metadata });
      if (patched.status >= 300) {
        return patched;
      }
      return request('POST', `${session}/${event.data.archived ? 'archive' : 'unarchive'}`);
    }
    case EventType.MessageTombstoned:
      return { status: 200, body: '' };
  }
}

function summary(row: QuarantinedRow) {
  return {
    id: row.id,
    partition: row.partition,
    offset: Number(row.kafka_offset),
    tenant_id: row.tenant_id,
    conversation_id: row.conversation_id,
    seq: row.seq === null ? null : Number(row.seq),
    reason: row.reason,
    quarantined_at: row.quarantined_at.toISOString(),
    reapplied_at: row.reapplied_at?.toISOString() ?? null,
  };
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
