import { useState } from 'preact/hooks';
import { describeFailure } from '../api';
import { currentSwitch, leaveTenant, switchTenant } from '../tenant-switch';
import { ErrorNote } from './ErrorNote';

/** For an admin key: look at one tenant's conversations and agents (a read key minted for it, revoked on leaving). */
export function TenantSwitcher(props: { onSwitched: () => void }) {
  const [tenant, setTenant] = useState('');
  const [error, setError] = useState<string | null>(null);
  const active = currentSwitch();

  const run = async (action: () => Promise<void>) => {
    setError(null);
    try {
      await action();
      props.onSwitched();
    } catch (failure) {
      setError(describeFailure(failure));
    }
  };

  return (
    <section aria-labelledby="tenant-title">
      <h2 id="tenant-title">Tenant</h2>
      {active !== null ? (
        <p>
          Viewing tenant <strong>{active.tenant}</strong> with a read key minted for it.{' '}
          <button type="button" onClick={() => void run(leaveTenant)}>
            Back to the admin key
          </button>
        </p>
      ) : null}
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          void run(() => switchTenant(tenant.trim()));
        }}
      >
        <label>
          Tenant id
          <input name="tenant" required value={tenant} onInput={(e) => setTenant(e.currentTarget.value)} />
        </label>
        <button type="submit">View this tenant</button>
      </form>
      <ErrorNote error={error} />
    </section>
  );
}
