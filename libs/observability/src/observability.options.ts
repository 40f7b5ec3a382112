export const OBSERVABILITY_OPTIONS = Symbol('OBSERVABILITY_OPTIONS');

export interface ObservabilityOptions {
  /** Service name, the `service` label of every metric and log line. */
  service: string;
  logLevel: string;
  /**
   * When set, SIGTERM drains HTTP requests in flight for at most this long before
   * the shutdown hooks run (HttpDrain); the service's SHUTDOWN_GRACE_MS.
   */
  httpDrainMs?: number;
}
