import { Inject, Injectable } from '@nestjs/common';
import { DISPATCHER_CONFIG, DispatcherConfig } from '../config/dispatcher.config';

/** What the command made of a reply: appended, refused for good, or not reachable now. */
export type ReplyResult = { kind: 'appended' } | { kind: 'refused'; error: string } | { kind: 'retry'; error: string };

/**
 * Appends a webhook's reply through the command's `POST /v1/deliveries/{id}/replies`,
 * which appends each message as the agent with the producer pair
 * (`delivery:<id>`, i + 1): posting the same reply again appends nothing twice.
 */
@Injectable()
export class ReplyPoster {
  constructor(@Inject(DISPATCHER_CONFIG) private readonly config: DispatcherConfig) {}

  async post(deliveryId: string, messages: unknown[]): Promise<ReplyResult> {
    const { url, apiKey, timeoutMs } = this.config.command;
    let response: Response;
    try {
      response = await fetch(`${url}/v1/deliveries/${encodeURIComponent(deliveryId)}/replies`, {
        method: 'POST',
        signal: AbortSignal.timeout(timeoutMs),
        headers: {
          'content-type': 'application/json',
          ...(apiKey === null ? {} : { authorization: `Bearer ${apiKey}` }),
        },
        body: JSON.stringify({ messages }),
      });
    } catch (error) {
      return { kind: 'retry', error: `reply not appended: command unreachable: ${(error as Error).message}` };
    }
    const text = await response.text().catch(() => '');
    if (response.ok) {
      return { kind: 'appended' };
    }
    const error = `reply not appended: command answered ${response.status} ${text.slice(0, 256)}`;
    return response.status >= 500 || [401, 403, 408, 429].includes(response.status)
      ? { kind: 'retry', error }
      : { kind: 'refused', error };
  }
}
