import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID, randomBytes } from 'node:crypto';
import { Receiver } from '../dispatcher/support';
import { api } from '../support/api-client';
import { eventually, ServiceProcess } from '../support/service-process';
import { LogRecord } from './support/checker';
import { FaultStack } from './support/fault-stack';
import { LoadGenerator } from './support/load-generator';
import { OwnedKafka } from './support/owned-kafka';
import { RunFollower } from './support/run-follower';
import { RunWriter } from './support/run-writer';
import { LOAD_WINDOW_MS, moreAcks, ScenarioRunner, seconds } from './support/scenario-runner';
import { topicLog } from './support/views';

/**
 * Fault injection: writers keep appending and subscribers keep reading while one
 * component at a time is killed or restarted; then the acknowledged writes are
 * compared with Postgres, replay reads, the archive and every subscriber
 * (support/scenario-runner.ts). Every server here is the suite's own (see support/fault-stack.ts).
 */

/** How long a killed server stays down: the hold is the fault under test, not a wait for a condition. */
const OUTAGE_MS = 2000;
/** A scenario waits for recovery and settling with its own bounds; this only stops a hung one. */
const SCENARIO_TIMEOUT_MS = 600_000;
const REBUILDS_METRIC = 'threadline_command_index_rebuilds_total';
/**
 * After Redis answers again, a command instance's client reconnects within its back-off (at most
 * 1 s, apps/command/src/head-index/redis-client.provider.ts); a request answered in that time may
 * still be a 503.
 */
const REDIS_RECONNECT_ALLOWANCE_MS = 1500;

let stack: FaultStack<OwnedKafka>;
let runner: ScenarioRunner<OwnedKafka>;
/** The webhook endpoint of the agent that takes part in the conversations of an `agent` scenario. */
const receiver = new Receiver();

beforeAll(async () => {
  await receiver.start();
  stack = await FaultStack.create<OwnedKafka>();
  await stack.start();
  runner = await ScenarioRunner.open(stack, receiver);
}, 600_000);

afterAll(async () => {
  await runner?.close();
  await stack?.stop();
  await receiver.stop();
}, 180_000);

const runScenario: ScenarioRunner<OwnedKafka>['run'] = (name, inject, options) => runner.run(name, inject, options);

/**
 * SIGSTOPs a command instance while it holds appends: the load has requests in flight to it. For up to
 * 10 s it waits for a moment its main thread is running (likely mid-request) rather than idle in the
 * event loop. A stop that caught no request (every answer was already written) is undone and tried again.
 */
async function freezeMidRequest(
  service: ServiceProcess,
  load: LoadGenerator,
): Promise<{ state: string; hanging: string[]; attempts: number }> {
  const instance = stack.commands.indexOf(service);
  for (let attempts = 1; ; attempts += 1) {
    const deadline = performance.now() + 10_000;
    let state = service.mainThreadState() ?? 'gone';
    while (load.inFlight[instance] === 0 || (state !== 'R' && performance.now() < deadline)) {
      await sleep(1);
      state = service.mainThreadState() ?? 'gone';
    }
    await service.pause();
    // Answers written just before the stop still reach the writers, within a turn or two of this event loop.
    await sleep(100);
    if (load.inFlight[instance] > 0) {
      return { state: state === 'R' ? 'running' : state, hanging: [...load.inFlightKeys[instance]], attempts };
    }
    await service.resume();
  }
}

describe('under continuous appends and live subscribers, no acknowledged message is lost, duplicated or reordered anywhere', () => {
  it(
    'when the Kafka broker is SIGKILLed and restarted',
    () =>
      runScenario('kafka-kill', async () => {
        await stack.kafka.kill();
        await sleep(OUTAGE_MS);
        await stack.kafka.start();
      }),
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'when Redis is restarted empty, and later flushed (service default timeouts)',
    () =>
      runScenario(
        'redis-loss',
        async ({ load }) => {
          await stack.redis.kill();
          await stack.redis.start();
          await moreAcks(load);
          await stack.redis.flushAll();
        },
        { timeouts: 'service-defaults' },
      ),
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'when Redis persists every write to its append-only file and is restarted: no index rebuild, 503s only while it is down',
    () =>
      runScenario(
        'redis-aof-restart',
        async ({ load, facts, violations }) => {
          await stack.redis.enablePersistence();
          const rebuildsBefore = await Promise.all(stack.commands.map((c) => stack.metric(c, REBUILDS_METRIC)));
          const downAt = performance.now();
          await stack.redis.stop();
          await stack.redis.start();
          const upAt = performance.now();
          facts.push(`redis down ${seconds(upAt - downAt)} (SIGTERM to PING)`);
          return async () => {
            await stack.redis.disablePersistence();
            const rebuildsAfter = await Promise.all(stack.commands.map((c) => stack.metric(c, REBUILDS_METRIC)));
            facts.push(`${REBUILDS_METRIC} per instance ${rebuildsBefore.join(', ')} -> ${rebuildsAfter.join(', ')}`);
            if (rebuildsAfter.some((n, i) => n !== rebuildsBefore[i])) {
              violations.push(
                `${REBUILDS_METRIC} went from ${rebuildsBefore.join(', ')} to ${rebuildsAfter.join(', ')}`,
              );
            }
            stack.commands.forEach((_, instance) => {
              const rebuilding = load.timeline.filter((a) => a.instance === instance && a.error === 'index_rebuilding');
              if (rebuilding.length > 0) {
                violations.push(
                  `command-${instance} answered 503 index_rebuilding ${rebuilding.length} times: the index was rebuilt`,
                );
              }
            });
            for (const answer of load.timeline.filter((a) => a.status === 503 && a.error !== 'index_rebuilding')) {
              if (answer.at < downAt || answer.at > upAt + REDIS_RECONNECT_ALLOWANCE_MS) {
                violations.push(
                  `command-${answer.instance} answered 503 ${answer.error} at ${seconds(answer.at - downAt)} from the SIGTERM; ` +
                    `Redis answered again at ${seconds(upAt - downAt)}`,
                );
              }
            }
          };
        },
        { timeouts: 'service-defaults' },
      ),
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'when a command instance is frozen with appends in flight while the index is flushed and rebuilt, then goes on (a zombie)',
    () =>
      runScenario(
        'zombie-command',
        async ({ load, facts }) => {
          const zombie = stack.commands[0];
          const live = 1;
          const frozen = await freezeMidRequest(zombie, load);
          const frozenKeys = frozen.hanging;
          facts.push(
            `zombie stopped (attempt ${frozen.attempts}, main thread ${frozen.state}) with ${frozenKeys.length} requests hanging`,
          );
          let endsAtFlush = new Map<number, number>();
          let endsAtTrust = new Map<number, number>();
          try {
            await stack.redis.flushAll();
            const flushedAt = performance.now();
            endsAtFlush = await stack.topicEnds();
            // The zombie stays stopped until the rebuilt index is trusted (a new epoch): that hold is the fault.
            await eventually(
              'the rebuilt index trusted again (a new epoch)',
              () => stack.redis.exists(`${stack.env.REDIS_KEY_PREFIX}:index-epoch`),
              300_000,
              20,
            );
            const trustedAt = performance.now();
            endsAtTrust = await stack.topicEnds();
            await zombie.resume();
            facts.push(`epoch back ${seconds(trustedAt - flushedAt)} after the flush, zombie resumed then`);
            await eventually(
              'the live command instance appending again',
              async () => load.firstAckAfter(live, flushedAt),
              300_000,
              50,
            ).then((first) =>
              facts.push(`rebuild: first 201 on command-${live} ${seconds(first.at - flushedAt)} after the flush`),
            );
          } finally {
            await zombie.resume();
          }
          return async () => {
            const topic = await topicLog(stack.kafka.brokers, stack.env.KAFKA_TOPIC, load.conversationIds);
            const when = (r: LogRecord) =>
              r.offset < (endsAtFlush.get(r.partition) ?? 0)
                ? 'before the flush'
                : r.offset < (endsAtTrust.get(r.partition) ?? 0)
                  ? 'between the flush and the new epoch'
                  : 'after the rebuild';
            const records = [...topic.records.values()].flat();
            const landed = frozenKeys.map((key) => {
              const copies = records.filter((r) => r.key === key).map((r) => `seq ${r.seq} ${when(r)}`);
              return `${key}: ${copies.length > 0 ? copies.join(', ') : 'not in the topic'}`;
            });
            facts.push(
              `records that landed between the flush and the new epoch: ${records.filter((r) => when(r) === 'between the flush and the new epoch').length}`,
              `the zombie's hanging messages in the topic: ${landed.join('; ')}`,
            );
          };
        },
        // More writers: more appends overlap in the instance that is frozen, so the stop more often catches one
        // reserved and not yet sent.
        { timeouts: 'service-defaults', writers: 12 },
      ),
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'when a command instance is SIGKILLed and the writers fail over to the other',
    () =>
      runScenario('command-kill', async ({ load }) => {
        await stack.commands[0].kill();
        await moreAcks(load);
        await sleep(LOAD_WINDOW_MS);
        await stack.commands[0].start();
      }),
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'when the projector is SIGKILLed and restarted',
    () =>
      runScenario('projector-kill', async () => {
        await stack.projector.kill();
        await sleep(OUTAGE_MS);
        await stack.projector.start();
      }),
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'when a realtime instance is SIGKILLed and its subscribers resume on the other',
    () =>
      runScenario('realtime-kill', async () => {
        await stack.realtimes[0].kill();
        await sleep(LOAD_WINDOW_MS);
        await stack.realtimes[0].start();
      }),
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'when the archiver is SIGKILLed and restarted',
    () =>
      runScenario('archiver-kill', async () => {
        await stack.archiver.kill();
        await sleep(OUTAGE_MS);
        await stack.archiver.start();
      }),
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'when the dispatcher is SIGKILLed mid-delivery and restarted: the agent still gets every message, in order',
    () =>
      runScenario(
        'dispatcher-kill',
        async ({ facts }) => {
          const before = receiver.received.length;
          await eventually('a delivery in flight', async () => receiver.received.length > before, 60_000, 5);
          await stack.dispatcher.kill();
          facts.push(`dispatcher SIGKILLed after ${receiver.received.length} webhook requests`);
          await sleep(OUTAGE_MS);
          await stack.dispatcher.start();
        },
        { agent: true },
      ),
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'when a realtime and a command instance are SIGKILLed while a run streams: followers get each run event once, in order, then the committed message',
    () =>
      runScenario('run-in-progress', async ({ facts, violations }) => {
        const conversationId = `run-in-progress-${randomBytes(3).toString('hex')}`;
        await eventually(`conversation ${conversationId} created`, async () => {
          const res = await api(stack.commandUrls[0], 'PUT', `/v1/conversations/${conversationId}`, {});
          return res.status === 200 || res.status === 201;
        });
        const writer = new RunWriter(stack.commandUrls, conversationId);
        await writer.start();
        const followers = [0, 1].map(
          (first) =>
            new RunFollower(
              stack.realtimeUrls.map((_, i) => stack.realtimeUrls[(first + i) % stack.realtimeUrls.length]),
              conversationId,
              writer.runId,
            ),
        );
        await eventually('the run streamed 50 events', async () => writer.deltas.length >= 50, 60_000, 20);
        facts.push(`SIGKILL realtime-0 and command-0 at run_seq ${writer.deltas.length}`);
        await Promise.all([stack.realtimes[0].kill(), stack.commands[0].kill()]);
        await sleep(OUTAGE_MS);
        await Promise.all([stack.realtimes[0].start(), stack.commands[0].start()]);
        const resumedFrom = writer.deltas.length;
        await eventually(
          'the run streamed 50 more events',
          async () => writer.deltas.length >= resumedFrom + 50,
          60_000,
        );
        await writer.stop();
        const [messageSeq] = await writer.commit();
        await eventually(
          'every follower got the committed message',
          async () =>
            followers.every((f) => f.frames.some((frame) => frame.type === 'message' && frame.runId === writer.runId)),
          60_000,
        ).catch(() => undefined);
        await Promise.all(followers.map((f) => f.stop()));
        const { rows } = await runner.db.query<{ run_seq: string; body: { delta?: string } }>(
          "SELECT run_seq, body FROM run_events WHERE tenant_id = 'default' AND run_id = $1 ORDER BY run_seq",
          [writer.runId],
        );
        const projected = rows.map((r) => `${r.run_seq}:${r.body.delta}`).join('|');
        const written = writer.deltas.map((delta, i) => `${i + 1}:${delta}`).join('|');
        if (projected !== written) {
          violations.push(
            `run_events holds ${rows.length} events, not the ${writer.deltas.length} acknowledged in order`,
          );
        }
        violations.push(
          ...writer.violations,
          ...followers.flatMap((f, i) => f.violations(writer.deltas, messageSeq).map((v) => `run follower ${i}: ${v}`)),
        );
        facts.push(
          `run: ${writer.deltas.length} events in ${writer.acked.length} batches, ${writer.retries} retried requests, ` +
            `committed at seq ${messageSeq}; follower connections ${followers.map((f) => f.connections).join('/')}`,
        );
      }),
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'when a buggy producer writes poison records straight to the topic, keyed like the conversations under load',
    () =>
      runScenario('poison', async ({ load }) => {
        const keys = load.conversationIds;
        const strayId = `poison-stray-${randomBytes(3).toString('hex')}`;
        // The buggy producer stamps the trusted index epoch, as a producer following the contract does
        // (docs/events.md rule 6); without it every consumer would ignore its records as fenced off.
        const epoch = Number(await stack.redis.get(`${stack.env.REDIS_KEY_PREFIX}:index-epoch`));
        const event = (seq: number, escapedText: string) =>
          `{"schema_version":1,"event_id":"${randomUUID()}","conversation_id":"${strayId}","index_epoch":${epoch},` +
          `"occurred_at":"${new Date().toISOString()}","type":"message.appended","seq":${seq},"data":{"version":${seq},` +
          `"message":{"role":"user","parts":[{"type":"text","text":"${escapedText}"}]},"producer_id":null,"producer_seq":null}}`;
        const poison = ['not json at all', event(1, 'a NUL \\u0000'), event(2, 'a lone \\ud800')];
        await stack.produceRaw(poison.flatMap((value) => keys.map((key) => ({ key, value }))));
        await moreAcks(load);
        const stray = await eventually('the stray conversation settled by quarantined tombstones', async () => {
          const res = await api(stack.commandUrls[0], 'GET', `/v1/conversations/${strayId}/messages?from=1`);
          const messages = res.body.messages as { seq: number; reason?: string }[] | undefined;
          return messages?.length === 2 && messages;
        });
        expect(stray.map((m) => [m.seq, m.reason])).toEqual([
          [1, 'quarantined'],
          [2, 'quarantined'],
        ]);
        for (const service of [stack.projector, ...stack.realtimes, stack.archiver]) {
          expect((await fetch(`${service.baseUrl}/health/ready`)).status).toBe(200);
        }
      }),
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'when Postgres is restarted',
    () =>
      runScenario('postgres-restart', async () => {
        await stack.postgres.restart();
      }),
    SCENARIO_TIMEOUT_MS,
  );
});
