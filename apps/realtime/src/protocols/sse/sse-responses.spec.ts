import { ApiError } from '@threadline/errors';
import type { Principal } from '@threadline/auth';
import type { RealtimeConfig } from '../../config/realtime.config';
import type { ConnectionRegistry } from '../../connections/connection-registry';
import type { RealtimeMetrics } from '../../metrics/realtime-metrics';
import { SseResponses } from './sse-responses';

const principal = { tenantId: 'acme' } as Principal;

function responses(accepting: boolean) {
  const admitted: string[] = [];
  const registry = { accepting, admit: (tenantId: string) => admitted.push(tenantId) };
  return {
    admitted,
    sse: new SseResponses(registry as unknown as ConnectionRegistry, {} as RealtimeMetrics, {} as RealtimeConfig),
  };
}

/** The error admit threw, as ApiExceptionFilter writes it: status, headers, body. */
function refusal(admit: () => void) {
  try {
    admit();
  } catch (error) {
    const { status, headers, code, message } = error as ApiError;
    return { apiError: error instanceof ApiError, status, headers, body: { error: code, message } };
  }
  return null;
}

describe('SseResponses.admit', () => {
  it('refuses a new stream with 503 shutting_down and Retry-After once the instance shuts down', () => {
    const { sse, admitted } = responses(false);
    expect(refusal(() => sse.admit(principal))).toEqual({
      apiError: true,
      status: 503,
      headers: { 'Retry-After': '1' },
      body: { error: 'shutting_down', message: 'This instance is shutting down; reconnect' },
    });
    expect(admitted).toEqual([]);
  });

  it("admits the tenant's stream while the instance accepts clients", () => {
    const { sse, admitted } = responses(true);
    expect(refusal(() => sse.admit(principal))).toBeNull();
    expect(admitted).toEqual(['acme']);
  });
});
