import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePortRange } from './ports';
import { linkJarCache, ROOT, RUN_DIR, runLogged } from './run-logged';

const STACK = join(ROOT, 'scripts', 'stack');
/** Nodes 1..3; each is broker and controller (scripts/kafka/cluster.sh). */
export const NODES = [1, 2, 3] as const;
export type Node = (typeof NODES)[number];

/**
 * A three-node KRaft cluster of the suite's own, through `STACK_KAFKA_BROKERS=3 scripts/stack` on six
 * consecutive free ports (node N: broker on base + 2(N-1), controller on the port after it) and the run's
 * own data dir; scripts/stack only ever signals nodes whose pid files are in that dir. Node N is broker id N.
 * The topics it gets are created with replication factor 3 (min.insync.replicas 2).
 */
export class OwnedKafkaCluster {
  private readonly stackDir = join(RUN_DIR, 'kafka-cluster-stack');

  private constructor(private readonly basePort: number) {}

  static async onFreePorts(): Promise<OwnedKafkaCluster> {
    return new OwnedKafkaCluster(await freePortRange(2 * NODES.length));
  }

  port(node: Node): number {
    return this.basePort + 2 * (node - 1);
  }

  get brokers(): string {
    return NODES.map((n) => `127.0.0.1:${this.port(n)}`).join(',');
  }

  get env(): Record<string, string> {
    return { KAFKA_BROKERS: this.brokers, KAFKA_TOPIC_REPLICATION_FACTOR: '3' };
  }

  /** Starts the node (every node that is down when left out) and waits until each is registered. */
  async start(node?: Node): Promise<void> {
    linkJarCache(this.stackDir);
    await this.stack('kafka-start', node);
  }

  /** SIGTERM: a controlled shutdown (its leaderships move first). */
  stop(node: Node): Promise<void> {
    return this.stack('kafka-stop', node);
  }

  kill(node: Node): Promise<void> {
    return this.stack('kafka-kill', node);
  }

  /** Deletes a stopped node's data: its disk is lost. */
  wipe(node: Node): Promise<void> {
    return this.stack('kafka-wipe', node);
  }

  /** Stops every node and deletes the cluster's data (the link to the shared jar cache, not the cache). */
  async remove(): Promise<void> {
    await this.stack('kafka-stop');
    rmSync(this.stackDir, { recursive: true, force: true });
  }

  private stack(command: string, node?: Node): Promise<void> {
    return runLogged('bash', [STACK, command, ...(node === undefined ? [] : [String(node)])], 'kafka-cluster', {
      STACK_KAFKA_BROKERS: '3',
      KAFKA_CLUSTER_PORT: String(this.basePort),
      STACK_DATA_DIR: this.stackDir,
    });
  }
}
