import type { IncomingHttpHeaders } from 'node:http';
import { pipeline, type Readable, type Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { HttpStatus } from '@nestjs/common';
import { ApiError } from '@threadline/errors';

const DECODERS: Record<string, (() => Transform) | null> = {
  identity: null,
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

const tooLarge = () => new ApiError(HttpStatus.PAYLOAD_TOO_LARGE, 'payload_too_large', 'The request body is too large');
const unreadable = (reason: string) =>
  ApiError.badRequest('invalid_json', `The request body could not be read: ${reason}`);

/**
 * An `application/json` request body as the command's routes take it: decoded
 * (gzip, deflate or br `Content-Encoding`, UTF-8), at most `limitBytes` once
 * decoded, and a JSON object or array (`{}` when empty). Anything else is refused
 * with the documented code before a handler runs: 415 `unsupported_encoding`,
 * 413 `payload_too_large`, 400 `invalid_json`.
 */
export async function readJsonBody(
  headers: IncomingHttpHeaders,
  payload: Readable,
  limitBytes: number,
): Promise<unknown> {
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(headers['content-type'] ?? '')?.[1].toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new ApiError(HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'unsupported_encoding', `Unsupported charset "${charset}"`);
  }
  const encoding = (headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const decoder = DECODERS[encoding];
  if (decoder === undefined) {
    throw new ApiError(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      'unsupported_encoding',
      `Unsupported content encoding "${encoding}"`,
    );
  }
  if (decoder === null && Number(headers['content-length']) > limitBytes) {
    throw tooLarge();
  }
  // pipeline, not pipe: an upload that breaks off fails the decoder too, instead of leaving it waiting.
  const decoded = decoder === null ? payload : pipeline(payload, decoder(), () => undefined);
  const text = await readText(decoded, limitBytes);
  return parseJson(text);
}

async function readText(stream: Readable, limitBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limitBytes) {
        throw tooLarge();
      }
      chunks.push(chunk);
    }
  } catch (error) {
    throw error instanceof ApiError ? error : unreadable((error as Error).message);
  }
  return (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)).toString('utf8');
}

/** JSON.parse, taking objects and arrays only (a bare string or number is refused), a leading BOM ignored. */
function parseJson(text: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.length === 0) {
    return {};
  }
  const first = body.trimStart().charAt(0);
  if (first !== '{' && first !== '[') {
    throw ApiError.badRequest('invalid_json', 'The request body is not valid JSON: not an object or array');
  }
  try {
    return JSON.parse(body) as unknown;
  } catch (error) {
    throw ApiError.badRequest('invalid_json', `The request body is not valid JSON: ${(error as Error).message}`);
  }
}
