/**
 * The `threadline` CLI (libs/client/dist/cli.mjs, built by `npm run build`) spawned as a real process against
 * the real services with authentication on: its commands (runs start/push/commit, sessions, agents update and
 * rotate-secret among them), output modes, settings sources and exit codes,
 * an export → import round trip that writes nothing twice, and `tail -f` across a SIGKILL of realtime.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../support/service-process';
import { ClientStack, uniqueId } from './client-stack';

const CLI = join(__dirname, '..', '..', 'libs', 'client', 'dist', 'cli.mjs');
const services = new ClientStack('cli');
let token: string;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

beforeAll(async () => {
  if (!existsSync(CLI)) {
    throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  }
  await services.start();
  token = await services.token();
}, 120_000);

afterAll(() => services.stop());

function settingsEnv(): Record<string, string> {
  return {
    THREADLINE_URL: services.stack.baseUrl,
    THREADLINE_REALTIME_URL: services.realtime.baseUrl,
    THREADLINE_TOKEN: token,
    THREADLINE_CONFIG: join(tmpdir(), 'threadline-cli-test-no-profile.json'),
  };
}

function start(args: string[], env: Record<string, string> = settingsEnv()): ChildProcess {
  const inherited = { ...process.env };
  for (const name of ['THREADLINE_URL', 'THREADLINE_REALTIME_URL', 'THREADLINE_TOKEN', 'THREADLINE_PROFILE']) {
    delete inherited[name];
  }
  return spawn(process.execPath, [CLI, ...args], { env: { ...inherited, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
}

async function cli(args: string[], stdin = '', env?: Record<string, string>): Promise<Result> {
  const child = start(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin?.end(stdin);
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

const lines = (stdout: string) =>
  stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('conversations and messages', () => {
  it('creates, gets, lists and deletes a conversation, printing JSON lines when piped', async () => {
    const id = uniqueId('cli');
    const created = await cli(['conversations', 'create', id, '--metadata', '{"channel":"cli"}']);
    expect(created.code).toBe(0);
    expect(lines(created.stdout)).toEqual([expect.objectContaining({ id, metadata: { channel: 'cli' } })]);
    expect(lines((await cli(['conversations', 'get', id])).stdout)[0]).toMatchObject({ id, last_seq: 0 });
    await eventually('the listing to show it', async () => {
      const listed = await cli(['conversations', 'list', '--metadata', 'channel=cli']);
      return lines(listed.stdout).some((row) => row.id === id);
    });
    expect(await cli(['conversations', 'delete', id])).toMatchObject({ code: 0 });
    expect(lines((await cli(['conversations', 'get', id])).stdout)[0]).toMatchObject({ tombstoned: true });
  });

  it('appends from --text and from stdin, and replays from a seq', async () => {
    const id = uniqueId('cli-append');
    await cli(['conversations', 'create', id]);
    const first = await cli(['append', id, '--role', 'user', '--text', 'Hello!']);
    expect(lines(first.stdout)).toEqual([expect.objectContaining({ seq: 1, deduped: false })]);
    const piped = JSON.stringify({ role: 'assistant', parts: [{ type: 'text', text: 'Hi there' }] });
    expect(lines((await cli(['append', id], piped)).stdout)[0]).toMatchObject({ seq: 2 });
    const replayed = lines((await cli(['replay', id, '--from', '2'])).stdout);
    expect(replayed.map((m) => [m.seq, m.role, m.actor])).toEqual([[2, 'assistant', 'service:sdk-test']]);
    const newest = await cli(['tail', id]);
    expect(newest.code).toBe(0);
    expect(lines(newest.stdout).map((m) => m.seq)).toEqual([1, 2]);
  });

  it('exits 2 on a usage error, 3 when not found, 4 on a version conflict, 5 without a valid credential', async () => {
    const id = uniqueId('cli-codes');
    await cli(['conversations', 'create', id]);
    await cli(['append', id, '--text', 'one']);
    expect((await cli(['append'])).code).toBe(2);
    expect((await cli(['append', id])).code).toBe(2);
    expect((await cli(['replay', id, '--from', 'first'])).code).toBe(2);
    const missing = await cli(['conversations', 'get', uniqueId('nobody')]);
    expect(missing).toMatchObject({ code: 3, stderr: expect.stringMatching(/conversation_not_found/) });
    const stale = await cli(['append', id, '--text', 'late', '--if-version', '0']);
    expect(stale).toMatchObject({ code: 4, stderr: expect.stringMatching(/^threadline: conflict: /) });
    expect((await cli(['conversations', 'get', id, '--token', 'tl_wrong'])).code).toBe(5);
  });

  it('prints --help for every command', async () => {
    const commands = [
      [],
      ['conversations'],
      ['conversations', 'list'],
      ['append'],
      ['tail'],
      ['replay'],
      ['export'],
      ['import'],
      ['runs'],
      ['runs', 'push'],
      ['sessions'],
      ['sessions', 'append'],
      ['agents'],
      ['agents', 'rotate-secret'],
      ['deliveries'],
      ['keys', 'create'],
    ];
    for (const command of commands) {
      const help = await cli([...command, '--help']);
      expect({ command, code: help.code }).toEqual({ command, code: 0 });
      expect(help.stdout).toMatch(/^Usage: threadline/);
    }
  });

  it('reads its settings from a profile file when the environment has none; flags win', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'threadline-cli-'));
    const profile = join(dir, 'config.json');
    writeFileSync(profile, JSON.stringify({ profiles: { test: { url: services.stack.baseUrl, token } } }));
    const id = uniqueId('cli-profile');
    const env = { THREADLINE_CONFIG: profile };
    expect((await cli(['--profile', 'test', 'conversations', 'create', id], '', env)).code).toBe(0);
    expect((await cli(['--profile', 'test', '--token', 'tl_wrong', 'conversations', 'get', id], '', env)).code).toBe(5);
    expect((await cli(['--profile', 'other', 'conversations', 'get', id], '', env)).code).toBe(2);
  });
});

describe('runs, sessions and agents', () => {
  it('starts a run, pushes events from stdin and from a file, reads them back, and commits it', async () => {
    const id = uniqueId('cli-run');
    await cli(['conversations', 'create', id]);
    await cli(['append', id, '--text', 'Weather in Oslo?']);
    const started = await cli(['runs', 'start', id, '--parent-seq', '1', '--metadata', '{"model":"test"}']);
    expect(started.code).toBe(0);
    const [run] = lines(started.stdout);
    expect(run).toMatchObject({ status: 'streaming', parent_seq: 1, metadata: { model: 'test' } });
    const runId = run.run_id as string;
    const batch = JSON.stringify([
      { kind: 'text-delta', delta: 'It is ' },
      { kind: 'text-delta', delta: '3 ' },
    ]);
    const pushed = await cli(['runs', 'push', runId, '--producer-seq', '1'], batch);
    expect(lines(pushed.stdout)).toEqual([expect.objectContaining({ last_run_seq: 2 })]);
    // The same push again (a retried command) writes nothing twice.
    expect(lines((await cli(['runs', 'push', runId, '--producer-seq', '1'], batch)).stdout)[0]).toMatchObject({
      last_run_seq: 2,
    });
    const file = join(mkdtempSync(join(tmpdir(), 'threadline-cli-')), 'events.ndjson');
    writeFileSync(file, '{"kind":"text-delta","delta":"°C."}\n');
    expect(lines((await cli(['runs', 'push', runId, '--file', file])).stdout)[0]).toMatchObject({ last_run_seq: 3 });
    expect(await cli(['runs', 'push', runId], 'not json')).toMatchObject({ code: 2 });

    const committed = await cli(['runs', 'commit', runId]);
    expect(lines(committed.stdout)[0]).toMatchObject({ status: 'committed', last_run_seq: 3 });
    const events = lines((await cli(['runs', 'events', runId])).stdout);
    expect(events.map((e) => [e.run_seq, e.delta])).toEqual([
      [1, 'It is '],
      [2, '3 '],
      [3, '°C.'],
    ]);
    const reply = lines((await cli(['replay', id, '--from', '2'])).stdout);
    expect(reply).toEqual([expect.objectContaining({ seq: 2, role: 'assistant' })]);
    expect(reply[0].parts).toEqual([{ type: 'text', text: 'It is 3 °C.' }]);
  });

  it("works with sessions in Starcite's shapes: create, append (flags or stdin), events, update, archive", async () => {
    const id = uniqueId('cli-ses');
    const created = await cli(['sessions', 'create', '--id', id, '--title', 'Draft', '--metadata', '{"team":"legal"}']);
    expect(lines(created.stdout)).toEqual([expect.objectContaining({ id, title: 'Draft', version: 0 })]);
    const appended = await cli(['sessions', 'append', id, '--type', 'content', '--payload', '{"text":"clause 4.2"}']);
    expect(lines(appended.stdout)[0]).toMatchObject({ seq: 1, deduped: false });
    const piped = JSON.stringify({ type: 'note', payload: { text: 'check 4.3' }, source: 'cli-test' });
    expect(lines((await cli(['sessions', 'append', id, '--expected-seq', '1'], piped)).stdout)[0]).toMatchObject({
      seq: 2,
    });
    const stale = await cli(['sessions', 'append', id, '--type', 'note', '--expected-seq', '1']);
    expect(stale).toMatchObject({ code: 4, stderr: expect.stringMatching(/expected_seq_conflict/) });
    const events = lines((await cli(['sessions', 'events', id])).stdout);
    expect(events.map((e) => [e.seq, e.type, e.source])).toEqual([
      [1, 'content', null],
      [2, 'note', 'cli-test'],
    ]);
    expect(lines((await cli(['sessions', 'events', id, '--cursor', '1'])).stdout).map((e) => e.seq)).toEqual([2]);
    const updated = await cli(['sessions', 'update', id, '--title', 'Final', '--expected-version', '0']);
    expect(lines(updated.stdout)[0]).toMatchObject({ title: 'Final', version: 1, metadata: { team: 'legal' } });
    expect(await cli(['sessions', 'update', id, '--title', 'Late', '--expected-version', '0'])).toMatchObject({
      code: 4,
    });
    expect(lines((await cli(['sessions', 'archive', id])).stdout)[0]).toMatchObject({ archived: true });
    expect(lines((await cli(['sessions', 'get', id])).stdout)[0]).toMatchObject({ id, archived: true, last_seq: 2 });
    expect(lines((await cli(['sessions', 'unarchive', id])).stdout)[0]).toMatchObject({ archived: false });
    await eventually('the listing to show the session', async () =>
      lines((await cli(['sessions', 'list'])).stdout).some((row) => row.id === id),
    );
    expect((await cli(['sessions', 'get', uniqueId('nobody')])).code).toBe(3);
  });

  it('updates an agent and rotates its signing secret', async () => {
    const id = uniqueId('cli-agent');
    const created = lines((await cli(['agents', 'create', id, '--webhook-url', 'http://127.0.0.1:9/hook'])).stdout)[0];
    const updated = await cli([
      'agents',
      'update',
      id,
      '--webhook-url',
      'http://127.0.0.1:9/v2',
      '--config',
      '{"timeout_ms":2000}',
    ]);
    expect(lines(updated.stdout)[0]).toMatchObject({ id, webhook_url: 'http://127.0.0.1:9/v2', timeout_ms: 2000 });
    expect((await cli(['agents', 'update', id])).code).toBe(2);
    const rotated = lines((await cli(['agents', 'rotate-secret', id])).stdout)[0];
    expect(rotated.signing_secret).toMatch(/^whsec_/);
    expect(rotated.signing_secret).not.toBe(created.signing_secret);
    expect((await cli(['agents', 'rotate-secret', uniqueId('nobody')])).code).toBe(3);
  });
});

describe('export and import', () => {
  it('round-trips a conversation through NDJSON, and importing the file again writes nothing twice', async () => {
    const source = uniqueId('cli-export');
    await cli(['conversations', 'create', source]);
    for (const text of ['one', 'two', 'three']) {
      await cli(['append', source, '--text', text]);
    }
    const exported = await cli(['export', source]);
    expect(exported.code).toBe(0);
    expect(lines(exported.stdout)).toHaveLength(3);
    const target = uniqueId('cli-import');
    expect(lines((await cli(['import', target], exported.stdout)).stdout)[0]).toMatchObject({
      imported: 3,
      deduped: 0,
    });
    expect(lines((await cli(['import', target], exported.stdout)).stdout)[0]).toMatchObject({
      imported: 0,
      deduped: 3,
    });
    const copied = lines((await cli(['export', target])).stdout);
    expect(copied.map((m) => [m.seq, m.role, m.parts])).toEqual(
      lines(exported.stdout).map((m) => [m.seq, m.role, m.parts]),
    );
  });
});

describe('tail -f', () => {
  it('follows live across a SIGKILL of the realtime instance: every seq once, in order', async () => {
    const id = uniqueId('cli-follow');
    await cli(['conversations', 'create', id]);
    const follower = start(['tail', id, '-f', '--cursor', '0']);
    let stdout = '';
    follower.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const seqs = () => lines(stdout.slice(0, stdout.lastIndexOf('\n') + 1)).map((m) => m.seq);
    const appendTexts = async (texts: string[]) => {
      for (const text of texts) {
        expect((await cli(['append', id, '--text', text])).code).toBe(0);
      }
    };
    await appendTexts(['a1', 'a2', 'a3']);
    await eventually('seqs 1..3 printed', async () => seqs().length >= 3);
    await services.killRealtime();
    await appendTexts(['b4', 'b5', 'b6']);
    await services.restartRealtime();
    await appendTexts(['c7', 'c8', 'c9']);
    await eventually('seqs 1..9 printed', async () => seqs().length >= 9, 60_000);
    const exited = once(follower, 'exit');
    follower.kill('SIGTERM');
    expect((await exited)[0]).toBe(0);
    expect(seqs()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
