export const OBSERVABILITY_OPTIONS = Symbol('OBSERVABILITY_OPTIONS');

export interface ObservabilityOptions {
  /** Service name, the `service` label of every metric and log line. */
  service: string;
  logLevel: string;
}
