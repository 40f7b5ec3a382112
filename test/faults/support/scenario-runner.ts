import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { ArchiveReader, dataSourceOptions, FilesystemObjectStore } from '@threadline/persistence';
import { Receiver } from '../../dispatcher/support';
import { api } from '../../support/api-client';
import { eventually } from '../../support/service-process';
import { check, summaryLine } from './checker';
import { CommandTimeouts, FaultKafka, FaultStack } from './fault-stack';
import { LoadGenerator } from './load-generator';
import { readHeads, settle } from './settle';
import { Subscriber } from './subscribers';
import { archiveLog, archiveView, postgresView, replayView, seenFrame, topicLog } from './views';

/** Conversations per scenario (unless the scenario names its own). */
export const CONVERSATIONS = 8;
const WRITERS = 4;
/** Load before the fault, and after it once appends are acknowledged again. */
export const LOAD_WINDOW_MS = 5000;
const CONSUMER_RESTARTS_METRIC = 'threadline_realtime_consumer_restarts_total';

/** What a fault injection works with while the load runs. */
export interface Injection {
  load: LoadGenerator;
  /** Figures printed on the scenario's line. */
  facts: string[];
  /** Broken expectations of the scenario itself, reported with the checker's violations. */
  violations: string[];
}

/** An injection; what it returns runs once the writers stopped and the system settled. */
export type Inject = (injection: Injection) => Promise<void | (() => Promise<void>)>;

export interface ScenarioOptions {
  timeouts?: CommandTimeouts;
  writers?: number;
  /** An agent takes part in the conversations; every message must reach its webhook, in order. */
  agent?: boolean;
  /** The scenario's conversations (new ones); CONVERSATIONS fresh ids when left out. */
  conversationIds?: string[];
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Waits until the writers got `count` more 201s than now: the system takes appends again. */
export async function moreAcks(load: LoadGenerator, count = 20): Promise<void> {
  const target = load.acked + count;
  await eventually(`${count} more acknowledged appends`, async () => load.acked >= target, 180_000, 200);
}

/** The 503 window of each command instance: first to last 503, and the longest run of 503s; and the longest time without any 201. */
function unavailabilityFacts(load: LoadGenerator): string {
  const windows = load
    .unavailability()
    .map(
      (u) =>
        `command-${u.instance} ${seconds(u.lastAt - u.firstAt)} first-to-last (${u.count} 503s), ` +
        `longest run ${seconds(u.longestRun.toAt - u.longestRun.fromAt)} (${u.longestRun.count})`,
    );
  return (
    `unavailable: ${windows.length > 0 ? windows.join('; ') : 'never'}; ` +
    `longest time without a 201 ${seconds(load.longestWithoutAck())}`
  );
}

/**
 * One scenario of a fault suite: fresh conversations, writers and live subscribers, the fault,
 * load until appends are acknowledged again, quiescence, then the checker over every view, raw
 * log and stream (docs/faults.md). The stores it reads are the stack's own.
 */
export class ScenarioRunner<K extends FaultKafka> {
  readonly summary: string[] = [];
  readonly db: Pool;
  private readonly archive: DataSource;
  private readonly reader: ArchiveReader;
  private readonly store: FilesystemObjectStore;

  private constructor(
    readonly stack: FaultStack<K>,
    private readonly receiver: Receiver,
  ) {
    this.db = new Pool({ connectionString: stack.postgres.url, max: 2 });
    this.db.on('error', () => undefined);
    this.archive = new DataSource(dataSourceOptions({ url: stack.postgres.url, poolSize: 2 }));
    this.store = new FilesystemObjectStore(stack.archiveDir);
    this.reader = new ArchiveReader(this.archive, this.store);
  }

  /** Opens the runner's connections to a started stack. */
  static async open<K extends FaultKafka>(stack: FaultStack<K>, receiver: Receiver): Promise<ScenarioRunner<K>> {
    const runner = new ScenarioRunner(stack, receiver);
    await runner.archive.initialize();
    return runner;
  }

  /** Prints every scenario's line again and closes the connections. */
  async close(): Promise<void> {
    process.stdout.write(`\n${this.summary.join('\n')}\n`);
    await Promise.allSettled([this.db.end(), this.archive.destroy()]);
  }

  async run(name: string, inject: Inject, options: ScenarioOptions = {}): Promise<void> {
    const { stack } = this;
    await stack.useCommandTimeouts(options.timeouts ?? 'fast');
    const run = randomBytes(3).toString('hex');
    const ids = options.conversationIds ?? Array.from({ length: CONVERSATIONS }, (_, i) => `${name}-${run}-${i}`);
    const agentId = `${name}-${run}-agent`;
    if (options.agent) {
      const res = await api(stack.commandUrls[0], 'POST', '/v1/agents', {
        id: agentId,
        webhook_url: this.receiver.url(agentId),
      });
      expect(res.status).toBe(201);
    }
    const participants = options.agent ? { participants: [{ id: agentId, kind: 'agent' }] } : {};
    for (const id of ids) {
      await eventually(`conversation ${id} created`, async () => {
        const res = await api(stack.commandUrls[0], 'PUT', `/v1/conversations/${id}`, participants);
        return res.status === 200;
      });
    }
    const subscribers = ids.flatMap((id, i) => [
      new Subscriber('ws', id, stack.realtimeUrls, i),
      new Subscriber('sse', id, stack.realtimeUrls, i + 1),
      new Subscriber('phoenix', id, stack.realtimeUrls, i + 2),
    ]);
    const load = new LoadGenerator(stack.commandUrls, ids, `${name}-${run}`, options.writers ?? WRITERS);
    load.start();
    const injection: Injection = { load, facts: [], violations: [] };
    let heads: Map<string, number>;
    let notes: string[];
    try {
      await moreAcks(load);
      await sleep(LOAD_WINDOW_MS);
      const afterSettling = await inject(injection);
      await moreAcks(load);
      await sleep(LOAD_WINDOW_MS);
      await load.stop();
      heads = await readHeads(stack.commandUrls, ids);
      notes = await settle(stack.commandUrls, this.db, heads, subscribers);
      injection.facts.push(...(await this.consumerRestarts()));
      await afterSettling?.();
      if (options.agent) {
        injection.violations.push(...(await this.deliveryViolations(agentId, ids)));
      }
    } finally {
      await load.stop();
      await Promise.all(subscribers.map((s) => s.stop()));
    }
    const result = check({
      heads,
      writes: load.outcomes,
      views: [
        await postgresView(this.db, ids),
        await replayView(stack.commandUrls[1], ids),
        await archiveView(this.reader, heads),
      ],
      logs: [
        await topicLog(stack.kafka.brokers, stack.env.KAFKA_TOPIC, ids),
        await archiveLog(this.db, this.store, ids),
      ],
      subscribers: subscribers.map((s) => ({
        name: s.name,
        conversationId: s.conversationId,
        frames: s.frames.map(seenFrame),
      })),
    });
    result.violations.push(...load.unexpected.map((u) => `unexpected answer: ${u}`), ...injection.violations);
    const answers = [...load.answers].map(([status, n]) => `${status}:${n}`).join(' ');
    const connections = subscribers.reduce((sum, s) => sum + s.connections, 0);
    const line = summaryLine(
      name,
      result,
      [
        `unexpected-answers=${load.unexpected.length}; answers ${answers}; stream connections ${connections}`,
        unavailabilityFacts(load),
        ...injection.facts,
      ].join('; '),
    );
    const shown = [...notes, ...result.violations].slice(0, 20).map((v) => `  ${name}: ${v}`);
    this.summary.push(line, ...shown);
    process.stdout.write(`${[line, ...shown].join('\n')}\n`);
    expect({ notes, violations: result.violations.slice(0, 40), total: result.violations.length }).toEqual({
      notes: [],
      violations: [],
      total: 0,
    });
  }

  /**
   * Live consumers a realtime instance started again because a partition stalled (docs/operations.md), per
   * instance since it started; said only when there were any: a stall the watch healed is a fact worth seeing.
   */
  private async consumerRestarts(): Promise<string[]> {
    const counts = await Promise.all(
      this.stack.realtimes.map((r) => this.stack.metric(r, CONSUMER_RESTARTS_METRIC).catch(() => Number.NaN)),
    );
    return counts.some((n) => n !== 0)
      ? [`realtime consumers started again after a stall, per instance: ${counts.join(', ')}`]
      : [];
  }

  /**
   * Every message of each conversation in Postgres (itself checked against the acknowledged writes) reached the
   * agent's webhook, and the first request of each webhook-id, in the order received, carries the seqs ascending.
   */
  private async deliveryViolations(agentId: string, ids: string[]): Promise<string[]> {
    const expected = new Map<string, number[]>();
    for (const id of ids) {
      const { rows } = await this.db.query<{ seq: string }>(
        "SELECT seq FROM messages WHERE tenant_id = 'default' AND conversation_id = $1 AND kind = 'message' ORDER BY seq",
        [id],
      );
      expected.set(
        id,
        rows.map((r) => Number(r.seq)),
      );
    }
    const delivered = (id: string): number[] => {
      const firsts = new Map<string, number[]>();
      for (const request of this.receiver.of(agentId).filter((r) => r.body.conversation.id === id)) {
        if (!firsts.has(request.headers['webhook-id'])) {
          firsts.set(
            request.headers['webhook-id'],
            request.body.messages.map((m) => m.seq),
          );
        }
      }
      return [...firsts.values()].flat();
    };
    const complete = () => ids.every((id) => delivered(id).length >= (expected.get(id) ?? []).length);
    await eventually('every message delivered to the agent', async () => complete(), 180_000, 250).catch(
      () => undefined,
    );
    return ids.flatMap((id) => {
      const got = delivered(id);
      const want = expected.get(id) ?? [];
      const at = want.findIndex((seq, i) => got[i] !== seq);
      if (at === -1 && got.length === want.length) {
        return [];
      }
      const missing = want.filter((seq) => !got.includes(seq));
      const position = at === -1 ? want.length : at;
      return [
        `${id}: the agent got ${got.length} of ${want.length} messages (missing seqs [${missing.slice(0, 10).join(',')}]); ` +
          `first difference at position ${position}: got seq ${got[position] ?? 'nothing'}, Postgres holds ${want[position] ?? 'nothing'}`,
      ];
    });
  }
}
