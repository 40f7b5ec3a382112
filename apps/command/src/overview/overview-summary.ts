import { CIRCUIT_STATES, OverviewView } from './overview.dto';
import { Sample, sumOf } from './prometheus-text';

/** Each scraped service's samples, or null when its /metrics did not answer. */
export type Scrapes = Record<string, Sample[] | null>;

const orNull = (samples: Sample[] | null | undefined, name: string) =>
  samples === null || samples === undefined ? null : sumOf(samples, name);

/** The overview's numbers from the command's own samples and the other services' scrapes. */
export function summarize(own: Sample[], scrapes: Scrapes, at: Date): OverviewView {
  const dispatcher = scrapes.dispatcher ?? [];
  const deliveries = (outcome: string) => sumOf(dispatcher, 'threadline_dispatcher_deliveries_total', { outcome });
  const circuits = dispatcher
    .filter((s) => s.name === 'threadline_dispatcher_circuit_state' && s.labels.agent !== undefined)
    .map((s) => ({ agent: s.labels.agent, state: CIRCUIT_STATES[Math.min(2, Math.max(0, Math.round(s.value)))] }))
    .sort((a, b) => a.agent.localeCompare(b.agent));
  return {
    at: at.toISOString(),
    services: Object.fromEntries(Object.entries(scrapes).map(([name, samples]) => [name, samples ? 'up' : 'down'])),
    appends_total: sumOf(own, 'threadline_command_appends_total', { outcome: 'appended' }),
    deliveries_total: { succeeded: deliveries('succeeded'), failed: deliveries('failed'), dead: deliveries('dead') },
    projection_lag_events: orNull(scrapes.projector, 'threadline_projector_lag_events'),
    archive_lag_events: orNull(scrapes.archiver, 'threadline_archiver_lag_events'),
    archived_events_total: orNull(scrapes.archiver, 'threadline_archiver_events_total'),
    circuits,
  };
}
