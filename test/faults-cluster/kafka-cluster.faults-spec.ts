import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { Receiver } from '../dispatcher/support';
import { FaultStack } from '../faults/support/fault-stack';
import { AnswerRecord, LoadGenerator } from '../faults/support/load-generator';
import { Node, NODES, OwnedKafkaCluster } from '../faults/support/owned-kafka-cluster';
import { CONVERSATIONS, moreAcks, ScenarioRunner, seconds } from '../faults/support/scenario-runner';
import { conversationsLedBy, coordinatorNode, leaders, waitAllInSync } from './support/cluster-metadata';
import { consumersKeepUp } from './support/progress';

/**
 * The fault suite's scenarios (support/scenario-runner.ts: writers, live subscribers, the same checker) on a
 * three-node Kafka cluster of its own, replication factor 3 and min.insync.replicas 2, while brokers are
 * killed, restarted one by one, or lose their disk. Every scenario starts with all three nodes up and every
 * partition's three replicas in sync, led by its preferred replica.
 */

/** Six partitions: two led by each node. */
const PARTITIONS = 6;
/** How long two killed nodes stay down: the hold is the fault under test. */
const TWO_DOWN_MS = 8000;
const SCENARIO_TIMEOUT_MS = 600_000;

let cluster: OwnedKafkaCluster;
let stack: FaultStack<OwnedKafkaCluster>;
let runner: ScenarioRunner<OwnedKafkaCluster>;
const receiver = new Receiver();

beforeAll(async () => {
  await receiver.start();
  cluster = await OwnedKafkaCluster.onFreePorts();
  stack = await FaultStack.create(cluster, PARTITIONS);
  await stack.start();
  runner = await ScenarioRunner.open(stack, receiver);
}, 600_000);

afterAll(async () => {
  await runner?.close();
  await stack?.stop();
  await receiver.stop();
}, 180_000);

/** The topics whose replicas must all be in sync before and after each fault. */
function topics(): string[] {
  return [stack.env.KAFKA_TOPIC, stack.env.KAFKA_RUNS_TOPIC];
}

/** Every node up, every replica in sync, every preferred leader leading: each scenario starts from a whole cluster. */
async function wholeCluster(): Promise<void> {
  await cluster.start();
  await waitAllInSync(cluster.brokers, topics());
}

function others(...nodes: Node[]): Node[] {
  return NODES.filter((n) => !nodes.includes(n));
}

/** When each message was first sent (its first attempt). */
function firstSent(load: LoadGenerator): Map<string, number> {
  const first = new Map<string, number>();
  for (const answer of load.timeline) {
    first.set(answer.key, Math.min(first.get(answer.key) ?? answer.sentAt, answer.sentAt));
  }
  return first;
}

/** The first 201 to a message first sent at or after `since` (not a deduplicated retry of an older one). */
function firstAckSince(load: LoadGenerator, since: number): AnswerRecord | undefined {
  const sentFirst = firstSent(load);
  return load.timeline.find((a) => a.status === 201 && (sentFirst.get(a.key) ?? 0) >= since);
}

function statusCounts(answers: AnswerRecord[]): string {
  const counts = new Map<string, number>();
  for (const a of answers) {
    const key = a.error === null ? String(a.status) : `${a.status} ${a.error}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([status, n]) => `${status}:${n}`).join(' ') || 'none';
}

describe('a three-broker cluster (replication factor 3, min.insync.replicas 2) under continuous appends and live subscribers: nothing acknowledged is lost, duplicated or reordered', () => {
  it(
    'when the leader of the busiest partitions, also the group coordinator, is SIGKILLed: appends resume, consumers keep up without it, and it catches up as a follower once restarted',
    async () => {
      await wholeCluster();
      const victim = await coordinatorNode(cluster.brokers);
      const partitionLeaders = await leaders(cluster.brokers, stack.env.KAFKA_TOPIC);
      const led = [...partitionLeaders].filter(([, leader]) => leader === victim).map(([p]) => p);
      const ids = conversationsLedBy(`leader-kill-${randomBytes(3).toString('hex')}`, partitionLeaders, (n) =>
        n === victim ? CONVERSATIONS - 2 : 1,
      );
      await runner.run(
        'leader-kill',
        async ({ load, facts, violations }) => {
          facts.push(
            `SIGKILL kafka-${victim}: group coordinator, leader of partitions [${led.join(',')}] holding ${CONVERSATIONS - 2} of ${ids.length} conversations`,
          );
          const killedAt = performance.now();
          await cluster.kill(victim);
          await moreAcks(load);
          const resumed = firstAckSince(load, killedAt);
          facts.push(`first 201 to a message sent after the kill ${seconds((resumed?.at ?? killedAt) - killedAt)}`);
          const keptUp = await consumersKeepUp(stack.commandUrls, runner.db, ids, `while kafka-${victim} was down`);
          violations.push(...keptUp.violations);
          facts.push(
            `projection and archive at the heads ${seconds(keptUp.tookMs)} after reading them, kafka-${victim} down`,
          );
          const restartedAt = performance.now();
          await cluster.start(victim);
          const caughtUp = await waitAllInSync(cluster.brokers, topics());
          facts.push(
            `kafka-${victim} down ${seconds(restartedAt - killedAt)}; back in every ISR ${seconds(performance.now() - restartedAt)} after its start (${seconds(caughtUp)} waiting for it)`,
          );
        },
        { conversationIds: ids, agent: true },
      );
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'when two of three brokers are SIGKILLed: appends answer 503 and none is acknowledged on one replica; once one is restarted appends resume',
    async () => {
      await wholeCluster();
      const first = await coordinatorNode(cluster.brokers);
      const [second, survivor] = others(first);
      const ids = conversationsLedBy(
        `two-down-${randomBytes(3).toString('hex')}`,
        await leaders(cluster.brokers, stack.env.KAFKA_TOPIC),
        (n) => (n === survivor ? CONVERSATIONS : 0),
      );
      await runner.run(
        'two-down',
        async ({ load, facts, violations }) => {
          await Promise.all([cluster.kill(first), cluster.kill(second)]);
          const downAt = performance.now();
          // Both processes are gone: from here, only kafka-<survivor> holds what is written.
          await sleep(TWO_DOWN_MS);
          const restartAt = performance.now();
          const sentFirst = firstSent(load);
          const window = load.timeline.filter((a) => a.sentAt >= downAt && a.at <= restartAt);
          const onOneReplica = window.filter((a) => a.status === 201 && (sentFirst.get(a.key) ?? 0) >= downAt);
          violations.push(
            ...onOneReplica.map(
              (a) =>
                `${a.key}, first sent ${seconds((sentFirst.get(a.key) ?? 0) - downAt)} after kafka-${first} and kafka-${second} were killed, ` +
                `was acknowledged ${seconds(a.at - downAt)} after: only kafka-${survivor} could hold it (one replica)`,
            ),
          );
          facts.push(
            `SIGKILL kafka-${first} (coordinator) and kafka-${second}, kafka-${survivor} leads every conversation's partition; ` +
              `${seconds(restartAt - downAt)} with one node: answers ${statusCounts(window)}`,
          );
          await cluster.start(first);
          await moreAcks(load);
          const resumed = firstAckSince(load, restartAt);
          facts.push(
            `kafka-${first} restarted: first 201 to a message sent after its start ${seconds((resumed?.at ?? restartAt) - restartAt)} later`,
          );
          await cluster.start(second);
          facts.push(
            `every replica in sync ${seconds(await waitAllInSync(cluster.brokers, topics()))} after kafka-${second}'s start`,
          );
        },
        { conversationIds: ids },
      );
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    "when all three brokers are restarted one at a time (SIGTERM, start, all replicas in sync): every append succeeds within the writers' retries",
    async () => {
      await wholeCluster();
      await runner.run('rolling-restart', async ({ load, facts, violations }) => {
        const startedAt = performance.now();
        for (const node of NODES) {
          const at = performance.now();
          await cluster.stop(node);
          await cluster.start(node);
          const synced = await waitAllInSync(cluster.brokers, topics());
          facts.push(
            `kafka-${node} SIGTERM to all replicas in sync ${seconds(performance.now() - at)} (${seconds(synced)} catching up)`,
          );
        }
        const doneAt = performance.now();
        facts.push(
          `rolling restart ${seconds(doneAt - startedAt)}: answers ${statusCounts(load.timeline.filter((a) => a.sentAt >= startedAt && a.at <= doneAt))}`,
        );
        return async () => {
          const last = new Map<string, AnswerRecord>(load.timeline.map((a) => [a.key, a]));
          const sentFirst = firstSent(load);
          const failing = [...last.values()].filter(
            (a) => (sentFirst.get(a.key) ?? 0) <= doneAt && a.status !== 201 && a.status !== 409,
          );
          violations.push(
            ...failing.map(
              (a) =>
                `${a.key} still failing after the restarts and every retry: last answer ${a.status} ${a.error ?? ''}`,
            ),
          );
        };
      });
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'when a broker loses its data directory (SIGKILL, wipe, start): it re-replicates everything, and then serves as leader once another broker is killed',
    async () => {
      await wholeCluster();
      const partitionLeaders = await leaders(cluster.brokers, stack.env.KAFKA_TOPIC);
      const victim = (await coordinatorNode(cluster.brokers)) === 1 ? 2 : 1;
      const [nextLeader] = others(victim);
      const ids = conversationsLedBy(`data-dir-lost-${randomBytes(3).toString('hex')}`, partitionLeaders, (n) =>
        n === victim ? 4 : 2,
      );
      await runner.run(
        'data-dir-lost',
        async ({ load, facts }) => {
          await cluster.kill(victim);
          await cluster.wipe(victim);
          const startedAt = performance.now();
          await cluster.start(victim);
          const synced = await waitAllInSync(cluster.brokers, topics());
          facts.push(
            `kafka-${victim} SIGKILLed and wiped: back in every ISR ${seconds(performance.now() - startedAt)} after its start with an empty disk (${seconds(synced)} re-replicating)`,
          );
          const killedAt = performance.now();
          await cluster.kill(nextLeader);
          await moreAcks(load);
          const led = [...(await leaders(cluster.brokers, stack.env.KAFKA_TOPIC))].filter(([, l]) => l === victim);
          facts.push(
            `then SIGKILL kafka-${nextLeader}: kafka-${victim} leads partitions [${led.map(([p]) => p).join(',')}], first 201 after ${seconds((firstAckSince(load, killedAt)?.at ?? killedAt) - killedAt)}`,
          );
          await cluster.start(nextLeader);
          await waitAllInSync(cluster.brokers, topics());
        },
        { conversationIds: ids },
      );
    },
    SCENARIO_TIMEOUT_MS,
  );
});
