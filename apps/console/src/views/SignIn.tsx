import { useState } from 'preact/hooks';
import { api, ApiFailure, describeFailure } from '../api';
import { ErrorNote } from '../components/ErrorNote';
import { storeCredential } from '../session';

/**
 * Sign-in with an API key (`tl_…`) or a JWT. The credential is checked with a route any valid credential may
 * call (the OpenAPI document), then kept in sessionStorage only.
 */
export function SignIn(props: { onSignedIn: () => void }) {
  const [credential, setCredential] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('/v1/openapi.json', { credential: credential.trim() });
      storeCredential(credential.trim());
      props.onSignedIn();
    } catch (failure) {
      setError(
        failure instanceof ApiFailure && failure.status === 401
          ? 'This key or token is not accepted.'
          : describeFailure(failure),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in">
      <h1>Threadline console</h1>
      <form onSubmit={(event) => void submit(event)}>
        <label for="credential">API key or token</label>
        <input
          id="credential"
          name="credential"
          type="password"
          autoComplete="off"
          required
          value={credential}
          onInput={(event) => setCredential(event.currentTarget.value)}
        />
        <p class="hint">Kept in this tab only (sessionStorage); every view shows the tenant of this credential.</p>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        <ErrorNote error={error} />
      </form>
    </main>
  );
}
