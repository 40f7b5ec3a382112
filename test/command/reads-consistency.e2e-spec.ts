import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, textMessage } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { ServiceProcess } from '../support/service-process';
import { allocatePort } from '../support/test-env';
import { WebSocketProbe } from '../realtime/support/websocket-probe';

/**
 * Promises of docs/api.md and docs/consistency.md that only hold across real
 * processes: what a strong read answers when the projector is stopped, and the
 * x-request-id every service puts on its answers.
 */

const stack = new CommandStack('reads');
const READ_WAIT_MS = Number(stack.env.READ_WAIT_MS);
const archiveDir = mkdtempSync(join(tmpdir(), 'threadline-reads-archive-'));
const realtimePort = allocatePort();
const realtime = new ServiceProcess('realtime', 'reads-realtime', realtimePort, {
  ...stack.env,
  REALTIME_PORT: String(realtimePort),
});
const archiverPort = allocatePort();
const archiver = new ServiceProcess('archiver', 'reads-archiver', archiverPort, {
  ...stack.env,
  ARCHIVER_PORT: String(archiverPort),
  ARCHIVE_DIR: archiveDir,
});

beforeAll(async () => {
  await stack.start();
  await Promise.all([realtime.start(), archiver.start()]);
}, 180_000);
afterAll(async () => {
  await Promise.all([stack.stop(), realtime.stop(), archiver.stop()]);
  rmSync(archiveDir, { recursive: true, force: true });
});

const newId = () => `reads-${randomUUID()}`;

async function create(id: string): Promise<void> {
  expect((await api(stack.baseUrl, 'PUT', `/v1/conversations/${id}`, {})).status).toBe(200);
}

async function append(id: string, text: string): Promise<number> {
  const res = await api(stack.baseUrl, 'POST', `/v1/conversations/${id}/messages`, { message: textMessage(text) });
  expect(res.status).toBe(201);
  return res.body.seq as number;
}

describe('x-request-id', () => {
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

  it('is on every command answer: success, refusals before and after the body parser, unknown routes', async () => {
    const id = newId();
    await create(id);
    const answers = await Promise.all([
      api(stack.baseUrl, 'GET', `/v1/conversations/${id}`),
      api(stack.baseUrl, 'POST', `/v1/conversations/${id}/messages`, { message: textMessage('x') }),
      api(stack.baseUrl, 'POST', `/v1/conversations/${id}/messages`, undefined, '{"message":'),
      api(stack.baseUrl, 'POST', `/v1/conversations/${id}/messages`, {
        message: textMessage('x'.repeat(400 * 1024)),
      }),
      api(stack.baseUrl, 'GET', `/v1/conversations/${newId()}`),
      api(stack.baseUrl, 'GET', '/v1/no-such-route'),
      api(stack.baseUrl, 'GET', '/health/ready'),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 201, 400, 413, 404, 404, 200]);
    for (const answer of answers) {
      expect(answer.headers.get('x-request-id')).toMatch(UUID);
    }
    expect(new Set(answers.map((a) => a.headers.get('x-request-id'))).size).toBe(answers.length);
  });

  it("echoes a client's well-formed x-request-id on every service, and replaces a malformed one", async () => {
    const bases = [stack.baseUrl, stack.projector.baseUrl, realtime.baseUrl, archiver.baseUrl];
    for (const base of bases) {
      for (const path of ['/health/live', '/health/ready', '/metrics']) {
        const sent = `client-${randomUUID()}`;
        const echoed = await fetch(`${base}${path}`, { headers: { 'x-request-id': sent } });
        expect({ base, path, status: echoed.status, id: echoed.headers.get('x-request-id') }).toEqual({
          base,
          path,
          status: 200,
          id: sent,
        });
        const replaced = await fetch(`${base}${path}`, { headers: { 'x-request-id': 'not ok; has spaces' } });
        expect({ base, path, id: replaced.headers.get('x-request-id') }).toEqual({
          base,
          path,
          id: expect.stringMatching(UUID) as string,
        });
      }
    }
    const refused = await api(stack.baseUrl, 'POST', `/v1/conversations/x/messages`, undefined, '{', {
      headers: { 'x-request-id': 'worker-7:req.42' },
    });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('x-request-id')).toBe('worker-7:req.42');
  });

  it("is on realtime WebSocket upgrades, refused or accepted, echoing the client's", async () => {
    const ws = realtime.baseUrl.replace(/^http/, 'ws');
    const refused = await WebSocketProbe.connect(`${ws}/v1/conversations/${newId()}/stream?cursor=x`, {
      'x-request-id': 'ws-refused-1',
    });
    const unknownPath = await WebSocketProbe.connect(`${ws}/v1/nowhere`);
    const accepted = await WebSocketProbe.connect(`${ws}/v1/conversations/${newId()}/stream`, {
      'x-request-id': 'ws-accepted-1',
    });
    expect(refused).toMatchObject({ kind: 'refused', status: 400, headers: { 'x-request-id': 'ws-refused-1' } });
    expect(unknownPath).toMatchObject({ kind: 'refused', status: 404, headers: { 'x-request-id': UUID } });
    if (accepted.kind !== 'open') {
      throw new Error(`the upgrade was refused: ${accepted.status} ${accepted.body}`);
    }
    expect(accepted.probe.upgradeHeaders['x-request-id']).toBe('ws-accepted-1');
    await accepted.probe.close();
  });
});

it("realtime's own HTTP errors are {error, message} with documented codes", async () => {
  const notFound = await api(realtime.baseUrl, 'GET', '/v1/no-such-route');
  expect({ status: notFound.status, body: notFound.body }).toEqual({
    status: 404,
    body: { error: 'not_found', message: expect.any(String) as string },
  });
  const badEscape = await api(realtime.baseUrl, 'GET', '/v1/conversations/%E0%A4%A/events');
  expect({ status: badEscape.status, body: badEscape.body }).toEqual({
    status: 400,
    body: { error: 'bad_request', message: expect.any(String) as string },
  });
});

describe('read consistency', () => {
  it('a strong read answers stale after READ_WAIT_MS while the projector is stopped; an eventual read answers at once; strong again once it is back', async () => {
    const id = newId();
    await create(id);
    await append(id, 'projected');
    const tail = (query: string) =>
      api<{ messages: { seq: number }[]; consistency: string }>(
        stack.baseUrl,
        'GET',
        `/v1/conversations/${id}/tail${query}`,
        undefined,
        undefined,
        { timeoutMs: READ_WAIT_MS + 10_000 },
      );
    const before = await tail('');
    expect(before.body.consistency).toBe('strong');
    expect(before.body.messages.map((m) => m.seq)).toEqual([1]);

    await stack.projector.stop();
    await append(id, 'not projected');

    let startedAt = performance.now();
    const stale = await tail('');
    const staleMs = performance.now() - startedAt;
    expect(stale.status).toBe(200);
    expect(stale.body.consistency).toBe('stale');
    expect(stale.body.messages.map((m) => m.seq)).toEqual([1]);
    // It polls until the deadline (its last wait is at most 100 ms short of it), then answers.
    expect(staleMs).toBeGreaterThanOrEqual(READ_WAIT_MS - 150);
    expect(staleMs).toBeLessThan(READ_WAIT_MS + 1500);

    startedAt = performance.now();
    const eventual = await tail('?consistency=eventual');
    const eventualMs = performance.now() - startedAt;
    expect(eventual.body.consistency).toBe('eventual');
    expect(eventual.body.messages.map((m) => m.seq)).toEqual([1]);
    expect(eventualMs).toBeLessThan(Math.min(1000, READ_WAIT_MS / 2));

    const replay = await api<{ consistency: string }>(stack.baseUrl, 'GET', `/v1/conversations/${id}/messages?from=1`);
    expect(replay.body.consistency).toBe('stale');

    await stack.projector.start();
    const after = await tail('');
    expect(after.body.consistency).toBe('strong');
    expect(after.body.messages.map((m) => m.seq)).toEqual([1, 2]);
  });
});
