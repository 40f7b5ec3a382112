import type { Server } from 'node:http';
import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { OBSERVABILITY_OPTIONS, ObservabilityOptions } from './observability.options';

const IDLE_CHECK_MS = 50;

/**
 * On SIGTERM, for a service that sets `httpDrainMs` (its SHUTDOWN_GRACE_MS): the
 * HTTP server stops accepting, idle keep-alive connections close, and requests in
 * flight get up to `httpDrainMs` to finish before their connections are cut. Runs
 * before the shutdown hooks, so what those requests started (an append waiting
 * for its ack) still has the producer and stores it needs.
 */
@Injectable()
export class HttpDrain implements BeforeApplicationShutdown {
  private readonly logger = new Logger(HttpDrain.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(OBSERVABILITY_OPTIONS) private readonly options: ObservabilityOptions,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    const graceMs = this.options.httpDrainMs;
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (graceMs === undefined || !server?.listening) {
      return;
    }
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // A keep-alive connection goes idle once its request is answered: close it then, not at the deadline.
    server.closeIdleConnections();
    const idle = setInterval(() => server.closeIdleConnections(), IDLE_CHECK_MS);
    const deadline = setTimeout(() => {
      this.logger.warn(`requests still in flight after SHUTDOWN_GRACE_MS (${graceMs} ms): closing their connections`);
      server.closeAllConnections();
    }, graceMs);
    try {
      await closed;
    } finally {
      clearInterval(idle);
      clearTimeout(deadline);
    }
  }
}
