import { setTimeout as sleep } from 'node:timers/promises';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { CircuitBreakers } from '../circuit/circuit-breaker';
import { DISPATCHER_CONFIG, DispatcherConfig } from '../config/dispatcher.config';
import { agentKey, ClaimedDelivery } from './claimed-delivery';
import { DeliveryAttempts } from './delivery-attempt';
import { DeliveryStore } from './delivery-store';

const CLAIM_RETRY_MAX_MS = 5000;

/**
 * The delivery loop of one instance: claims due deliveries (DeliveryStore,
 * FOR UPDATE SKIP LOCKED, so instances share the work) up to
 * DISPATCHER_CONCURRENCY in flight and DISPATCHER_AGENT_CONCURRENCY per agent,
 * skipping agents whose circuit is open, and runs each (DeliveryAttempts).
 * It claims again as soon as a delivery ends (the next one of its pair may be due) or ingest commits new
 * deliveries (nudge), else every poll interval.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryWorker.name);
  private readonly inFlight = new Set<Promise<void>>();
  private readonly perAgent = new Map<string, number>();
  private stopping = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly store: DeliveryStore,
    private readonly attempts: DeliveryAttempts,
    private readonly circuits: CircuitBreakers,
    @Inject(DISPATCHER_CONFIG) private readonly config: DispatcherConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.loop = this.run();
  }

  /** Claims now rather than at the next poll: ingest has just committed deliveries that may be due. */
  nudge(): void {
    this.wake?.();
  }

  /** Stops claiming, then lets the deliveries in flight end (each is bounded by its timeout) within the grace. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    await Promise.race([Promise.allSettled([...this.inFlight]), sleep(this.config.shutdownGraceMs)]);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      const free = this.config.worker.concurrency - this.inFlight.size;
      if (free > 0) {
        try {
          this.startAll(await this.claim(free));
          failures = 0;
        } catch (error) {
          failures += 1;
          this.logger.warn(`claiming deliveries failed: ${(error as Error).message}`);
          await sleep(Math.min(this.config.worker.pollIntervalMs * 2 ** failures, CLAIM_RETRY_MAX_MS));
          continue;
        }
      }
      await this.idle();
    }
  }

  private claim(limit: number): Promise<ClaimedDelivery[]> {
    const cap = this.config.worker.agentConcurrency;
    const full = [...this.perAgent.entries()].filter(([, n]) => n >= cap).map(([agent]) => agent);
    const taking = new Map<string, number>();
    return this.store.claim([...this.circuits.blocked(), ...full], limit, (delivery) => {
      const agent = agentKey(delivery);
      const count = (this.perAgent.get(agent) ?? 0) + (taking.get(agent) ?? 0);
      // Appending a reply calls the command, not the agent: no circuit to pass.
      if (count >= cap || (delivery.status === 'pending' && !this.circuits.tryAcquire(agent))) {
        return false;
      }
      taking.set(agent, (taking.get(agent) ?? 0) + 1);
      return true;
    });
  }

  private startAll(deliveries: ClaimedDelivery[]): void {
    for (const delivery of deliveries) {
      const agent = agentKey(delivery);
      this.perAgent.set(agent, (this.perAgent.get(agent) ?? 0) + 1);
      const task: Promise<void> = this.attempts
        .run(delivery)
        .catch((error: Error) => {
          this.circuits.abandonProbe(agent);
          this.logger.error(`delivery ${delivery.id}: ${error.message}; retried once its claim runs out`);
        })
        .finally(() => {
          this.inFlight.delete(task);
          const left = (this.perAgent.get(agent) ?? 1) - 1;
          if (left === 0) {
            this.perAgent.delete(agent);
          } else {
            this.perAgent.set(agent, left);
          }
          this.wake?.();
        });
      this.inFlight.add(task);
    }
  }

  /** Waits for the poll interval, or less when a delivery ends or the worker stops. */
  private async idle(): Promise<void> {
    const controller = new AbortController();
    const woken = new Promise<void>((resolve) => {
      this.wake = resolve;
    });
    await Promise.race([
      woken,
      sleep(this.config.worker.pollIntervalMs, undefined, { signal: controller.signal }).catch(() => undefined),
    ]);
    controller.abort();
    this.wake = null;
  }
}
