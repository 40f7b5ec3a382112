import { Admission } from '../../websocket/realtime-gateway-options';
import { PathParams } from '../../websocket/path-pattern';
import { parseStreamRequest, StreamRequest } from '../stream-request';

export const PLAIN_STREAM_PATH = '/v1/conversations/:id/stream';

/** A bad conversation id, `?cursor=` or `?run_cursors=` is refused with 400 before the upgrade. */
export function admitStreamUpgrade(params: PathParams, query: URLSearchParams): Admission<StreamRequest> {
  const parsed = parseStreamRequest(params.id, query.get('cursor') ?? undefined, query.get('run_cursors') ?? undefined);
  if (!parsed.ok) {
    return { ok: false, status: 400, body: { error: parsed.error, message: parsed.message } };
  }
  return { ok: true, value: parsed.request };
}
