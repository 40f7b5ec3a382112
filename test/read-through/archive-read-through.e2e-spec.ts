import { randomUUID } from 'node:crypto';
import { renameSync } from 'node:fs';
import { api, textMessage } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { eventually, ServiceProcess } from '../support/service-process';
import { allocatePort } from '../support/test-env';
import { archiveDir, archiverProcess, conversationState, db, removeArchiveDirs } from '../archiver/support';
import { PlainStreamClient, range } from '../realtime/support/stream-clients';

/**
 * Retention trims Postgres to the newest 10 seqs of each conversation; every
 * read path (replay, tail, realtime catch-up) still returns every seq, the
 * trimmed ones through the archive, identical to what was acknowledged.
 */

const CONVERSATIONS = 100;
const PER_CONVERSATION = 100;
const RETAINED = 10;

interface Acked {
  seq: number;
  text: string;
  tokenCount: number;
}

interface Page {
  messages: Array<{ seq: number; kind: string; parts: Array<{ text: string }>; token_count: number }>;
  next_cursor: number | null;
  consistency: string;
}

const dir = archiveDir('read-through');
const stack = new CommandStack('read-through', 1, { ARCHIVE_DIR: dir });
const archiver = archiverProcess('archiver-read-through', stack.env, dir, {
  ARCHIVE_SEGMENT_MAX_BYTES: String(256 * 1024),
  ARCHIVE_RETAIN_MESSAGES: String(RETAINED),
  ARCHIVE_RETENTION_INTERVAL_MS: '300',
});
const realtimePort = allocatePort();
const realtime = new ServiceProcess('realtime', 'realtime-read-through', realtimePort, {
  ...stack.env,
  REALTIME_PORT: String(realtimePort),
  ARCHIVE_DIR: dir,
  CATCHUP_PAGE: '25',
});
const ids = Array.from({ length: CONVERSATIONS }, (_, i) => `thru-${randomUUID()}-${i}`);
const acked = new Map<string, Acked[]>();

const expectedView = (id: string) =>
  acked.get(id)!.map((a) => ({ seq: a.seq, kind: 'message', text: a.text, tokenCount: a.tokenCount }));
const view = (page: Page) =>
  page.messages.map((m) => ({ seq: m.seq, kind: m.kind, text: m.parts[0].text, tokenCount: m.token_count }));

async function get(path: string): Promise<{ status: number; body: Page & { error?: string } }> {
  return api<Page & { error?: string }>(stack.baseUrl, 'GET', path);
}

beforeAll(async () => {
  await stack.start();
  await Promise.all([archiver.start(), realtime.start()]);
  await Promise.all(
    ids.map(async (id) => {
      expect((await api(stack.baseUrl, 'PUT', `/v1/conversations/${id}`, {})).status).toBe(200);
      const list: Acked[] = [];
      for (let n = 1; n <= PER_CONVERSATION; n += 1) {
        const text = `${id} #${n} ${'y'.repeat(n % 40)}`;
        const res = await api(stack.baseUrl, 'POST', `/v1/conversations/${id}/messages`, {
          message: textMessage(text),
        });
        expect(res.status).toBe(201);
        list.push({ seq: res.body.seq as number, text, tokenCount: res.body.token_count as number });
      }
      acked.set(
        id,
        list.sort((a, b) => a.seq - b.seq),
      );
    }),
  );
  await eventually(
    `every conversation archived and trimmed to its newest ${RETAINED} rows`,
    async () => {
      const rows = await conversationState(ids);
      return rows.length === ids.length && rows.every((r) => r.archivedSeq === PER_CONVERSATION && r.rows === RETAINED);
    },
    120_000,
    250,
  );
}, 300_000);

afterAll(async () => {
  await Promise.all([realtime.stop(), archiver.stop(), stack.stop()]);
  await db.end();
  removeArchiveDirs();
});

describe('reads after retention trimmed Postgres', () => {
  // First, while no read has cached a segment in the command service (cached segments are served even then).
  it('answers 503 archive_unavailable for trimmed seqs while the store is gone, and still serves the hot tail', async () => {
    const id = ids[2];
    renameSync(dir, `${dir}.away`);
    try {
      const cold = await get(`/v1/conversations/${id}/messages?from=1&limit=20`);
      expect(cold.status).toBe(503);
      expect(cold.body.error).toBe('archive_unavailable');
      const hot = await get(`/v1/conversations/${id}/messages?from=${PER_CONVERSATION - RETAINED + 1}&limit=20`);
      expect(hot.status).toBe(200);
      expect(hot.body.messages.map((m) => m.seq)).toEqual(range(91, 100));
    } finally {
      renameSync(`${dir}.away`, dir);
    }
  });

  it('replays every conversation from seq 1 exactly as acknowledged, in one page and in pages across the hot/archived boundary', async () => {
    for (const id of ids) {
      const whole = await get(`/v1/conversations/${id}/messages?from=1&limit=1000`);
      expect(whole.status).toBe(200);
      expect(whole.body.consistency).toBe('strong');
      expect(view(whole.body)).toEqual(expectedView(id));
      expect(whole.body.next_cursor).toBe(PER_CONVERSATION + 1);
    }
    const id = ids[0];
    const paged: Page['messages'] = [];
    for (let from = 1; from <= PER_CONVERSATION;) {
      const page = await get(`/v1/conversations/${id}/messages?from=${from}&limit=30`);
      paged.push(...page.body.messages);
      from = page.body.next_cursor!;
    }
    expect(view({ messages: paged, next_cursor: null, consistency: 'strong' })).toEqual(expectedView(id));
  });

  it('pages the tail from the newest seqs into archived ones down to seq 1', async () => {
    const id = ids[1];
    const seqs = async (offset: number, limit: number) => {
      const page = await get(`/v1/conversations/${id}/tail?offset=${offset}&limit=${limit}`);
      expect(page.status).toBe(200);
      return { seqs: page.body.messages.map((m) => m.seq), next: page.body.next_cursor };
    };
    expect(await seqs(0, RETAINED)).toEqual({ seqs: range(91, 100), next: 10 });
    expect(await seqs(50, 20)).toEqual({ seqs: range(31, 50), next: 70 });
    expect(await seqs(95, 10)).toEqual({ seqs: range(1, 5), next: null });
    expect(await seqs(100, 10)).toEqual({ seqs: [], next: null });
  });

  it('streams every seq in order to realtime clients resuming from cursor 0', async () => {
    const clients = await Promise.all(ids.map((id) => PlainStreamClient.open(realtime.baseUrl, id, 0)));
    try {
      await Promise.all(clients.map((client) => client.waitForSeq(PER_CONVERSATION, 60_000)));
      clients.forEach((client, i) => {
        expect(client.seqs).toEqual(range(1, PER_CONVERSATION));
        expect(client.frames.map((f) => f.message?.parts[0])).toEqual(
          acked.get(ids[i])!.map((a) => ({ type: 'text', text: a.text })),
        );
      });
    } finally {
      clients.forEach((client) => client.close());
    }
  });
});
