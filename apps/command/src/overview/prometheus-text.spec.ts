import { parsePrometheusText, sumOf } from './prometheus-text';

const TEXT = `# HELP threadline_command_appends_total Append requests by outcome
# TYPE threadline_command_appends_total counter
threadline_command_appends_total{outcome="appended",service="command"} 42
threadline_command_appends_total{outcome="conflict",service="command"} 3
threadline_dispatcher_circuit_state{agent="a \\"quoted\\" one",service="dispatcher"} 2
threadline_projector_stalled_partitions 0
not a sample
broken_metric NaN
`;

describe('parsePrometheusText', () => {
  it('reads every sample with its labels, unescaping quoted values, and skips comments and bad lines', () => {
    expect(parsePrometheusText(TEXT)).toEqual([
      { name: 'threadline_command_appends_total', labels: { outcome: 'appended', service: 'command' }, value: 42 },
      { name: 'threadline_command_appends_total', labels: { outcome: 'conflict', service: 'command' }, value: 3 },
      {
        name: 'threadline_dispatcher_circuit_state',
        labels: { agent: 'a "quoted" one', service: 'dispatcher' },
        value: 2,
      },
      { name: 'threadline_projector_stalled_partitions', labels: {}, value: 0 },
    ]);
  });

  it('sums the samples of a metric that carry the given labels', () => {
    const samples = parsePrometheusText(TEXT);
    expect(sumOf(samples, 'threadline_command_appends_total')).toBe(45);
    expect(sumOf(samples, 'threadline_command_appends_total', { outcome: 'appended' })).toBe(42);
    expect(sumOf(samples, 'threadline_missing')).toBe(0);
  });
});
