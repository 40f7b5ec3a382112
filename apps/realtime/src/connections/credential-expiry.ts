import type { Principal } from '@threadline/auth';
import { ClientConnection } from './client-connection';
import { CloseCode, CloseReason } from './close-codes';

/** setTimeout's longest delay; a later expiry is checked again then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Ends a live connection when the credential it was opened with expires (JWT `exp`):
 * WebSockets close with 4001 `token_expired`, SSE sends `event: token_expired` first
 * (`beforeClose`). The client reconnects with a fresh token and its cursor.
 */
export function closeWhenExpired(
  connection: ClientConnection,
  principal: Principal,
  beforeClose: () => void = () => undefined,
): void {
  if (principal.expiresAt === undefined) {
    return;
  }
  const expiresAt = principal.expiresAt.getTime();
  let timer: NodeJS.Timeout;
  const schedule = (): void => {
    timer = setTimeout(
      () => {
        if (Date.now() < expiresAt) {
          schedule();
          return;
        }
        beforeClose();
        connection.close(CloseCode.TokenExpired, CloseReason.TokenExpired);
      },
      Math.min(Math.max(0, expiresAt - Date.now()), MAX_TIMER_MS),
    );
    timer.unref();
  };
  schedule();
  connection.onClosed(() => clearTimeout(timer));
}
