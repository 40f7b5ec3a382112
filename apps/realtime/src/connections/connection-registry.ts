import { setTimeout as sleep } from 'node:timers/promises';
import {
  BeforeApplicationShutdown,
  HttpStatus,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { ApiError } from '@threadline/errors';
import { ReadinessService } from '@threadline/observability';
import { REALTIME_CONFIG, RealtimeConfig } from '../config/realtime.config';
import { RealtimeMetrics } from '../metrics/realtime-metrics';
import { ClientConnection } from './client-connection';
import { CloseCode, CloseReason } from './close-codes';

/** The longest a graceful shutdown waits for clients to complete the close handshake. */
const CLOSE_WAIT_MS = 3000;

/** The answer to a client arriving once shutdown began (503, Retry-After): it reconnects, to another instance. */
export function shuttingDown(): ApiError {
  return ApiError.unavailable('shutting_down', 'This instance is shutting down; reconnect', 1);
}

/**
 * Every connected client: the connected-clients gauge, each tenant's share of
 * this instance (REALTIME_MAX_CONNECTIONS_PER_TENANT), one heartbeat timer for
 * all of them, and the graceful shutdown that asks each to reconnect elsewhere
 * (1012 'service restart'; SSE streams end).
 */
@Injectable()
export class ConnectionRegistry implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(ConnectionRegistry.name);
  private readonly connections = new Set<ClientConnection>();
  private readonly perTenant = new Map<string, number>();
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private draining = false;

  constructor(
    private readonly metrics: RealtimeMetrics,
    private readonly readiness: ReadinessService,
    @Inject(REALTIME_CONFIG) private readonly config: RealtimeConfig,
  ) {}

  /** False once shutdown began: new clients are turned away. */
  get accepting(): boolean {
    return !this.draining;
  }

  get size(): number {
    return this.connections.size;
  }

  /** Throws 429 `rate_limited` when the tenant already holds its most streams on this instance. */
  admit(tenantId: string): void {
    const limit = this.config.clients.maxConnectionsPerTenant;
    if ((this.perTenant.get(tenantId) ?? 0) >= limit) {
      throw new ApiError(
        HttpStatus.TOO_MANY_REQUESTS,
        'rate_limited',
        `Tenant ${tenantId} holds ${limit} streams on this instance, its limit; close one or retry later`,
        {},
        { 'Retry-After': '1' },
      );
    }
  }

  track(connection: ClientConnection, tenantId: string): void {
    this.connections.add(connection);
    this.perTenant.set(tenantId, (this.perTenant.get(tenantId) ?? 0) + 1);
    this.metrics.connectedClients.inc({ protocol: connection.protocol });
    connection.onClosed(() => {
      if (this.connections.delete(connection)) {
        this.metrics.connectedClients.dec({ protocol: connection.protocol });
        const left = (this.perTenant.get(tenantId) ?? 1) - 1;
        if (left === 0) {
          this.perTenant.delete(tenantId);
        } else {
          this.perTenant.set(tenantId, left);
        }
      }
    });
  }

  onApplicationBootstrap(): void {
    this.heartbeatTimer = setInterval(() => {
      for (const connection of this.connections) {
        connection.heartbeat();
      }
    }, this.config.clients.heartbeatIntervalMs);
    this.heartbeatTimer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.draining = true;
    this.readiness.markShuttingDown();
    this.stopHeartbeats();
    const count = this.connections.size;
    for (const connection of this.connections) {
      connection.close(CloseCode.ServiceRestart, CloseReason.ServiceRestart);
    }
    const deadline = Date.now() + Math.min(CLOSE_WAIT_MS, this.config.shutdownGraceMs);
    while (this.connections.size > 0 && Date.now() < deadline) {
      await sleep(20);
    }
    for (const connection of this.connections) {
      connection.terminate();
    }
    if (count > 0) {
      this.logger.log(`closed ${count} client connection(s) for shutdown`);
    }
  }

  onApplicationShutdown(): void {
    this.stopHeartbeats();
  }

  private stopHeartbeats(): void {
    if (this.heartbeatTimer) {
      clearInterval(this.heartbeatTimer);
      this.heartbeatTimer = null;
    }
  }
}
