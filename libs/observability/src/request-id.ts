import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';

/** The id the client sent in `x-request-id` if it is well-formed (1-128 of `[A-Za-z0-9_.:-]`), else a new one. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}

/**
 * The request's id (requestIdOf), set on the response once. bootstrapService also
 * runs it ahead of the body parser, so answers refused before Nest's middleware carry it too.
 */
export function assignRequestId(req: IncomingMessage, res: ServerResponse): string {
  const assigned = res.getHeader(REQUEST_ID_HEADER);
  if (typeof assigned === 'string') {
    return assigned;
  }
  const id = requestIdOf(req);
  res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}
