import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { isFree } from '../../realtime/support/free-port';
import { freePort } from './ports';
import { linkJarCache, ROOT, RUN_DIR, runLogged } from './run-logged';

const STACK = join(ROOT, 'scripts', 'stack');

/**
 * A Kafka broker of the suite's own, through scripts/stack on its own port pair
 * and the run's own data dir; scripts/stack only ever signals the broker whose
 * pid file is in that dir. The jars come from the shared cache (.data/cache).
 */
export class OwnedKafka {
  private readonly stackDir = join(RUN_DIR, 'kafka-stack');

  constructor(
    readonly port: number,
    readonly controllerPort: number,
  ) {}

  /** A broker on a free port pair. */
  static async onFreePorts(): Promise<OwnedKafka> {
    return new OwnedKafka(await freePort(), await freePort());
  }

  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  get env(): Record<string, string> {
    return { KAFKA_BROKERS: this.brokers };
  }

  /** Starts the broker and waits until it answers; refuses ports something else listens on. */
  async start(): Promise<void> {
    for (const port of [this.port, this.controllerPort]) {
      if (!(await isFree(port))) {
        throw new Error(`port ${port} is taken: the suite only starts a broker of its own`);
      }
    }
    linkJarCache(this.stackDir);
    await this.stack('kafka-start');
  }

  kill(): Promise<void> {
    return this.stack('kafka-kill');
  }

  /** Stops the broker and deletes its data (the link to the shared jar cache, not the cache). */
  async remove(): Promise<void> {
    await this.stack('kafka-stop');
    rmSync(this.stackDir, { recursive: true, force: true });
  }

  private stack(command: string): Promise<void> {
    return runLogged('bash', [STACK, command], 'kafka', {
      KAFKA_PORT: String(this.port),
      KAFKA_CONTROLLER_PORT: String(this.controllerPort),
      STACK_DATA_DIR: this.stackDir,
    });
  }
}
