import { summarize } from './overview-summary';
import { parsePrometheusText } from './prometheus-text';

const own = parsePrometheusText(`threadline_command_appends_total{outcome="appended"} 40
threadline_command_appends_total{outcome="conflict"} 2`);
const dispatcher = parsePrometheusText(`threadline_dispatcher_deliveries_total{outcome="succeeded"} 9
threadline_dispatcher_deliveries_total{outcome="dead"} 1
threadline_dispatcher_circuit_state{agent="zeta"} 0
threadline_dispatcher_circuit_state{agent="alpha"} 2`);
const projector = parsePrometheusText(`threadline_projector_lag_events{partition="0"} 3
threadline_projector_lag_events{partition="1"} 4`);

describe('summarize', () => {
  it('sums the services’ samples into the overview, circuits by agent', () => {
    const at = new Date('2026-12-01T00:00:00.000Z');
    expect(summarize(own, { projector, archiver: null, dispatcher }, at)).toEqual({
      at: '2026-12-01T00:00:00.000Z',
      services: { projector: 'up', archiver: 'down', dispatcher: 'up' },
      appends_total: 40,
      deliveries_total: { succeeded: 9, failed: 0, dead: 1 },
      projection_lag_events: 7,
      archive_lag_events: null,
      archived_events_total: null,
      circuits: [
        { agent: 'alpha', state: 'open' },
        { agent: 'zeta', state: 'closed' },
      ],
    });
  });
});
