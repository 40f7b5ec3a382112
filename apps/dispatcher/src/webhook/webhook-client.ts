import { Injectable } from '@nestjs/common';
import { parseRetryAfter } from '../delivery/retry-policy';
import { WebhookAnswer } from '../delivery/attempt-outcome';
import { signWebhook } from './webhook-signer';

/** The largest response body read; a reply is far smaller, the rest is not needed. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface WebhookRequest {
  url: string;
  /** The agent's own headers; the Standard Webhooks headers and content-type win over them. */
  headers: Record<string, string>;
  timeoutMs: number;
  secrets: readonly string[];
  /** The webhook-id: the delivery's id. */
  id: string;
  payload: string;
}

/** An attempt that got no answer: a connection error, a timeout, a body that could not be read. */
export class WebhookUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookUnreachableError';
  }
}

/** POSTs one signed attempt and reads the answer, all within the agent's timeout. */
@Injectable()
export class WebhookClient {
  async post(request: WebhookRequest): Promise<WebhookAnswer> {
    const at = new Date();
    const signal = AbortSignal.timeout(request.timeoutMs);
    try {
      const response = await fetch(request.url, {
        method: 'POST',
        redirect: 'manual',
        signal,
        headers: {
          ...request.headers,
          ...signWebhook(request.secrets, request.id, at, request.payload),
          'content-type': 'application/json',
          'user-agent': 'threadline-dispatcher',
        },
        body: request.payload,
      });
      const body = await readLimited(response);
      return {
        status: response.status,
        body,
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), new Date()),
      };
    } catch (error) {
      if (signal.aborted) {
        throw new WebhookUnreachableError(`timeout after ${request.timeoutMs} ms`);
      }
      const cause = (error as Error & { cause?: Error }).cause;
      throw new WebhookUnreachableError(`connection error: ${cause?.message ?? (error as Error).message}`);
    }
  }
}

async function readLimited(response: Response): Promise<string> {
  if (response.body === null) {
    return '';
  }
  const reader = response.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  const chunks: Buffer[] = [];
  let size = 0;
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    const chunk: Uint8Array = read.value;
    chunks.push(Buffer.from(chunk));
    size += chunk.length;
    if (size >= MAX_BODY_BYTES) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}
