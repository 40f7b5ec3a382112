import { Admission } from '../../websocket/realtime-gateway-options';
import { PHOENIX_VSN } from './phoenix-protocol';

export const PHOENIX_PATH = '/socket/websocket';

/** `?vsn=` may be absent; any version but 2.0.0 is refused with 400 before the upgrade. */
export function admitPhoenixUpgrade(_params: unknown, query: URLSearchParams): Admission<undefined> {
  const vsn = query.get('vsn');
  if (vsn !== null && vsn !== PHOENIX_VSN) {
    return {
      ok: false,
      status: 400,
      body: { error: 'unsupported_vsn', message: `only vsn=${PHOENIX_VSN} is supported` },
    };
  }
  return { ok: true, value: undefined };
}
