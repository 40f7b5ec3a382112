import { ServiceProcess } from './service-process';
import { allocatePort, isolatedEnv } from './test-env';

/** Settings that keep failure tests short: 2 s ack timeout, the smallest hole grace it allows (2 x the ack timeout). */
export const FAST_FAILURE_ENV = {
  APPEND_ACK_TIMEOUT_MS: '2000',
  HOLE_GRACE_MS: '4000',
  REAPER_INTERVAL_MS: '200',
  READ_WAIT_MS: '3000',
};

/** A projector and N command instances sharing one isolated topic, group and key prefix. */
export class CommandStack {
  readonly env: Record<string, string>;
  readonly projector: ServiceProcess;
  readonly commands: ServiceProcess[];

  constructor(label: string, commandCount = 1, extraEnv: Record<string, string> = {}) {
    this.env = { ...isolatedEnv(label), ...FAST_FAILURE_ENV, ...extraEnv };
    const projectorPort = allocatePort();
    this.projector = new ServiceProcess('projector', `${label}-projector`, projectorPort, {
      ...this.env,
      PROJECTOR_PORT: String(projectorPort),
    });
    this.commands = Array.from({ length: commandCount }, (_, i) => {
      const port = allocatePort();
      return new ServiceProcess('command', `${label}-command-${i}`, port, { ...this.env, COMMAND_PORT: String(port) });
    });
  }

  get baseUrl(): string {
    return this.commands[0].baseUrl;
  }

  async start(): Promise<void> {
    await this.projector.start();
    await Promise.all(this.commands.map((c) => c.start()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.commands, this.projector].map((s) => s.stop()));
  }
}
