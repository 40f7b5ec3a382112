/** GET /v1/admin/overview (docs/api.md): counters since each service started, gauges now. */
export interface Overview {
  at: string;
  services: Record<string, 'up' | 'down'>;
  appends_total: number;
  deliveries_total: { succeeded: number; failed: number; dead: number };
  projection_lag_events: number | null;
  archive_lag_events: number | null;
  archived_events_total: number | null;
  circuits: Array<{ agent: string; state: 'closed' | 'half_open' | 'open' }>;
}

/** What the charts draw: per sample, rates over the interval before it and the gauges at it. */
export interface Point {
  appendsPerSecond: number;
  deliverySuccess: number;
  projectionLag: number;
  archiveLag: number;
}

/** The point between two successive overviews (a counter that went down means a restart: counted from 0). */
export function pointBetween(before: Overview, after: Overview): Point {
  const seconds = Math.max(0.001, (Date.parse(after.at) - Date.parse(before.at)) / 1000);
  const grew = (a: number, b: number) => (b >= a ? b - a : b);
  const done = after.deliveries_total;
  const ended = done.succeeded + done.failed + done.dead;
  return {
    appendsPerSecond: grew(before.appends_total, after.appends_total) / seconds,
    deliverySuccess: ended === 0 ? 1 : done.succeeded / ended,
    projectionLag: after.projection_lag_events ?? 0,
    archiveLag: after.archive_lag_events ?? 0,
  };
}
