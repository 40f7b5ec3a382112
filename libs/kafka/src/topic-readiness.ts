import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ReadinessService } from '@threadline/observability';
import { retryWithBackoff } from './retry-with-backoff';
import { TopicProvisioner } from './topic-provisioner';

/**
 * Every service makes sure the conversation topic exists at start-up, retrying
 * with back-off while Kafka is down; its readiness check `kafka_topic` passes
 * once it does.
 */
@Injectable()
export class TopicReadiness implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TopicReadiness.name);
  private ready = false;
  private stopped = false;
  private markReady!: () => void;
  private readonly readyPromise = new Promise<void>((resolve) => {
    this.markReady = resolve;
  });

  constructor(
    private readonly topics: TopicProvisioner,
    readiness: ReadinessService,
  ) {
    readiness.register('kafka_topic', () => ({ ok: this.ready }));
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** Resolves once the topic exists; consumers wait on this instead of creating it themselves. */
  whenReady(): Promise<void> {
    return this.readyPromise;
  }

  onApplicationBootstrap(): void {
    void this.provision();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
  }

  private async provision(): Promise<void> {
    await retryWithBackoff(() => this.tryProvision(), { stopped: () => this.stopped });
  }

  private async tryProvision(): Promise<boolean> {
    try {
      await this.topics.ensureTopic();
      this.ready = true;
      this.markReady();
      return true;
    } catch (error) {
      this.logger.warn(`topic not provisioned yet: ${(error as Error).message}`);
      return false;
    }
  }
}
