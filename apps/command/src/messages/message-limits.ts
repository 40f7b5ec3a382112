import { HttpStatus } from '@nestjs/common';
import { MessageBody } from '@threadline/contracts';
import { ApiError } from '@threadline/errors';

export interface Limits {
  messageBytes: number;
  parts: number;
  metadataBytes: number;
}

/** The configured size limits (documented in docs/api.md); checked before anything is reserved. */
export function checkMessageLimits(message: MessageBody, limits: Limits): void {
  if (message.parts.length > limits.parts) {
    throw ApiError.badRequest('invalid_message', `message.parts: at most ${limits.parts} parts are allowed`);
  }
  checkMetadataLimit(message.metadata, limits, 'message.metadata');
  const bytes = Buffer.byteLength(JSON.stringify(message));
  if (bytes > limits.messageBytes) {
    throw new ApiError(
      HttpStatus.PAYLOAD_TOO_LARGE,
      'message_too_large',
      `message: ${bytes} bytes exceeds the limit of ${limits.messageBytes} bytes`,
    );
  }
}

export function checkMetadataLimit(metadata: Record<string, unknown> | undefined, limits: Limits, field: string): void {
  if (metadata === undefined) {
    return;
  }
  const bytes = Buffer.byteLength(JSON.stringify(metadata));
  if (bytes > limits.metadataBytes) {
    throw ApiError.badRequest(
      'invalid_metadata',
      `${field}: ${bytes} bytes exceeds the limit of ${limits.metadataBytes} bytes`,
    );
  }
}

/** FleetLM's estimate when the client gives no token_count: a token per 4 bytes of text. */
export function estimateTokenCount(message: MessageBody): number {
  return message.parts.reduce((sum, part) => {
    const text = (part as { text?: unknown }).text;
    return sum + (typeof text === 'string' ? Math.floor(Buffer.byteLength(text) / 4) : 0);
  }, 0);
}
