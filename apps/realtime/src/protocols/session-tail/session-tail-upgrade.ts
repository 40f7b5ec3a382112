import { Admission } from '../../websocket/realtime-gateway-options';
import { PathParams } from '../../websocket/path-pattern';
import { parseSessionTailRequest, SessionTailRequest } from './session-tail-request';

export const SESSION_TAIL_PATH = '/v1/sessions/:id/tail';

/** A bad session id, `?cursor=` or `?batch_size=` is refused with 400 before the upgrade, in Starcite's codes. */
export function admitSessionTailUpgrade(params: PathParams, query: URLSearchParams): Admission<SessionTailRequest> {
  const parsed = parseSessionTailRequest(
    params.id,
    query.get('cursor') ?? undefined,
    query.get('batch_size') ?? undefined,
  );
  if (!parsed.ok) {
    return { ok: false, status: 400, body: { error: parsed.error, message: parsed.message } };
  }
  return { ok: true, value: parsed.request };
}
