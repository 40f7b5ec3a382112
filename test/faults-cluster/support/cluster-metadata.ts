import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { eventually } from '../../support/service-process';
import { Node, NODES } from '../../faults/support/owned-kafka-cluster';

/** One partition as the cluster's metadata has it (node N is broker id N). */
export interface PartitionState {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

/** The group coordinators' topic: the brokers have one partition of it, so every group has one coordinator. */
const OFFSETS_TOPIC = '__consumer_offsets';

/** Reads the cluster's metadata of `topics` (each partition's leader, replicas and in-sync replicas). */
export async function partitionStates(brokers: string, topics: string[]): Promise<Map<string, PartitionState[]>> {
  const kafka = new Kafka({
    clientId: 'faults-cluster-metadata',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { topics: found } = await admin.fetchTopicMetadata({ topics });
    return new Map(
      found.map((t) => [
        t.name,
        t.partitions
          .map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr }))
          .sort((a, b) => a.partition - b.partition),
      ]),
    );
  } finally {
    await admin.disconnect();
  }
}

/** The node leading each partition of `topic`. */
export async function leaders(brokers: string, topic: string): Promise<Map<number, number>> {
  const states = (await partitionStates(brokers, [topic])).get(topic) ?? [];
  return new Map(states.map((p) => [p.partition, p.leader]));
}

/** The node that is every consumer group's coordinator: the leader of the offsets topic's one partition. */
export async function coordinatorNode(brokers: string): Promise<Node> {
  const [offsets] = (await partitionStates(brokers, [OFFSETS_TOPIC])).get(OFFSETS_TOPIC) ?? [];
  const node = NODES.find((n) => n === offsets?.leader);
  if (node === undefined) {
    throw new Error(`${OFFSETS_TOPIC} has no leader (${JSON.stringify(offsets)})`);
  }
  return node;
}

/**
 * Waits until every partition of `topics` (and the offsets topic) has all three replicas in sync and is led by
 * its preferred replica: a restarted or re-replicated node has caught up as a follower and taken its
 * leaderships back, so each node leads its share again. Returns how long that took.
 */
export async function waitAllInSync(brokers: string, topics: string[], timeoutMs = 180_000): Promise<number> {
  const started = performance.now();
  const all = [...topics, OFFSETS_TOPIC];
  await eventually(
    `every partition of ${all.join(', ')} with three in-sync replicas, led by its preferred one`,
    async () => {
      const states = await partitionStates(brokers, all).catch(() => null);
      return (
        states !== null &&
        all.every((t) => (states.get(t) ?? []).length > 0) &&
        [...states.values()].flat().every((p) => p.leader === p.replicas[0] && p.isr.length === NODES.length)
      );
    },
    timeoutMs,
    500,
  );
  return performance.now() - started;
}

/** The partition the command's producer (kafkajs's default, Java-compatible partitioner) sends a key to. */
export function partitionOf(key: string, partitions: number): number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 0,
    replicas: [],
    isr: [],
  }));
  return partitioner({ topic: 'any', partitionMetadata, message: { key, value: null } });
}

/**
 * Fresh conversation ids `${prefix}-<n>` chosen so that, by the topic's current leaders, `perNode(node)`
 * of them are on partitions each node leads (default-tenant ids are their own record keys).
 */
export function conversationsLedBy(
  prefix: string,
  partitionLeaders: Map<number, number>,
  perNode: (node: Node) => number,
): string[] {
  const wanted = new Map(NODES.map((n) => [n as number, perNode(n)]));
  const ids: string[] = [];
  for (let n = 0; [...wanted.values()].some((count) => count > 0); n += 1) {
    if (n > 10_000) {
      throw new Error(
        `no conversation ids for ${JSON.stringify([...wanted])} on leaders ${JSON.stringify([...partitionLeaders])}`,
      );
    }
    const id = `${prefix}-${n}`;
    const leader = partitionLeaders.get(partitionOf(id, partitionLeaders.size)) ?? -1;
    if ((wanted.get(leader) ?? 0) > 0) {
      wanted.set(leader, (wanted.get(leader) ?? 0) - 1);
      ids.push(id);
    }
  }
  return ids;
}
