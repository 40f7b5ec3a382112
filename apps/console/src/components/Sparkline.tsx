const WIDTH = 240;
const HEIGHT = 60;

/** A small inline SVG line of the last values (no chart library), with its latest value as text. */
export function Sparkline(props: { label: string; values: number[]; format: (value: number) => string }) {
  const { values } = props;
  const latest = values.length === 0 ? null : values[values.length - 1];
  const max = Math.max(1, ...values);
  // One sample draws as a flat line (a polyline of one point draws nothing).
  const drawn = values.length === 1 ? [values[0], values[0]] : values;
  const points = drawn
    .map((value, i) => {
      const x = (i / (drawn.length - 1)) * WIDTH;
      const y = HEIGHT - 2 - (value / max) * (HEIGHT - 4);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
  return (
    <figure class="chart">
      <figcaption>{props.label}</figcaption>
      <div class="value">{latest === null ? '—' : props.format(latest)}</div>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`${props.label}, last ${values.length} samples`}>
        <polyline points={points} fill="none" stroke="#0b57d0" stroke-width="2" />
      </svg>
    </figure>
  );
}
