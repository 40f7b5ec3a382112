import { useRef, useState } from 'preact/hooks';
import { api, ApiFailure, describeFailure } from '../api';
import { ErrorNote } from '../components/ErrorNote';
import { Sparkline } from '../components/Sparkline';
import { TenantSwitcher } from '../components/TenantSwitcher';
import { usePolling } from '../hooks';
import { Overview, Point, pointBetween } from '../overview-series';
import { hrefOf, navigate } from '../router';

const REFRESH_MS = 2000;
const KEPT = 30;

/** The platform's health from the services' own metrics (scope admin), polled and drawn as small charts. */
export function OverviewView() {
  const [latest, setLatest] = useState<Overview | null>(null);
  const [points, setPoints] = useState<Point[]>([]);
  const [error, setError] = useState<string | null>(null);
  const previous = useRef<Overview | null>(null);

  usePolling(
    async () => {
      try {
        const next = await api<Overview>('/v1/admin/overview');
        const before = previous.current;
        if (before !== null) {
          setPoints((current) => [...current, pointBetween(before, next)].slice(-KEPT));
        }
        previous.current = next;
        setLatest(next);
        setError(null);
      } catch (failure) {
        setError(
          failure instanceof ApiFailure && failure.status === 403
            ? 'The overview shows every tenant’s traffic: it needs a credential with the admin scope.'
            : describeFailure(failure),
        );
      }
    },
    REFRESH_MS,
    [],
  );

  const series = (pick: (point: Point) => number) => points.map(pick);
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      <ErrorNote error={error} />
      <TenantSwitcher onSwitched={() => navigate(hrefOf({ view: 'conversations' }))} />
      {latest !== null ? (
        <>
          <p class="summary">
            Services:{' '}
            {Object.entries(latest.services).map(([name, state]) => (
              <span key={name} class={`service service-${state}`}>
                {name} {state}{' '}
              </span>
            ))}
            · archived events {latest.archived_events_total ?? '—'}
          </p>
          <div class="charts">
            <Sparkline
              label="Appends per second"
              values={series((p) => p.appendsPerSecond)}
              format={(v) => v.toFixed(1)}
            />
            <Sparkline
              label="Delivery success rate"
              values={series((p) => p.deliverySuccess)}
              format={(v) => `${(v * 100).toFixed(1)} %`}
            />
            <Sparkline label="Projection lag (events)" values={series((p) => p.projectionLag)} format={String} />
            <Sparkline label="Archive lag (events)" values={series((p) => p.archiveLag)} format={String} />
          </div>
          <h2>Circuits</h2>
          {latest.circuits.length === 0 ? (
            <p>No agent has a circuit yet.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">tenant/agent</th>
                  <th scope="col">circuit</th>
                </tr>
              </thead>
              <tbody>
                {latest.circuits.map((circuit) => (
                  <tr key={circuit.agent} data-circuit={circuit.agent}>
                    <td>{circuit.agent}</td>
                    <td class={`circuit-${circuit.state}`}>{circuit.state.replace('_', '-')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      ) : null}
    </section>
  );
}
