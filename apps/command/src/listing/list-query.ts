import { ApiError } from '@threadline/errors';
import type { ListPosition } from '@threadline/persistence';

export const DEFAULT_LIST_LIMIT = 100;
export const MAX_LIST_LIMIT = 1000;
/** How many metadata filters one listing may AND together. */
export const MAX_METADATA_FILTERS = 16;

const METADATA_PREFIX = 'metadata.';
const POSITION_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** A listing request: `limit`, `cursor`, `archived` (false | true | all) and `metadata.KEY=VALUE` filters. */
export interface ListRequest {
  limit: number;
  after: ListPosition | null;
  archived: boolean | null;
  metadata: Record<string, string>;
}

/** The opaque cursor of a page position: base64url of `[created_at, id]`. */
export function encodeListCursor(position: ListPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url');
}

/** The position a cursor names; 400 invalid_cursor for anything encodeListCursor did not make. */
export function decodeListCursor(cursor: string): ListPosition {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = null;
  }
  if (
    !Array.isArray(value) ||
    value.length !== 2 ||
    typeof value[0] !== 'string' ||
    !POSITION_TIME.test(value[0]) ||
    Number.isNaN(Date.parse(value[0])) ||
    typeof value[1] !== 'string' ||
    value[1].length === 0
  ) {
    throw ApiError.badRequest('invalid_cursor', 'cursor: not a cursor this listing returned (next_cursor)');
  }
  return { createdAt: value[0], id: value[1] };
}

/**
 * Parses a listing's query string. Every bad parameter is a 400 naming it:
 * `invalid_cursor` for the cursor, `invalid_metadata` for a filter, `invalid_query`
 * for the rest (an unknown parameter too). Filter values match as strings.
 */
export function parseListRequest(query: Record<string, unknown>): ListRequest {
  const request: ListRequest = { limit: DEFAULT_LIST_LIMIT, after: null, archived: false, metadata: {} };
  for (const [name, raw] of Object.entries(query)) {
    if (typeof raw !== 'string') {
      throw ApiError.badRequest(
        name.startsWith(METADATA_PREFIX) ? 'invalid_metadata' : 'invalid_query',
        `${name}: must be given once`,
      );
    }
    if (name === 'limit') {
      request.limit = parseLimit(raw);
    } else if (name === 'cursor') {
      request.after = decodeListCursor(raw);
    } else if (name === 'archived') {
      request.archived = parseArchived(raw);
    } else if (name.startsWith(METADATA_PREFIX) && name.length > METADATA_PREFIX.length) {
      request.metadata[name.slice(METADATA_PREFIX.length)] = raw;
    } else {
      throw ApiError.badRequest('invalid_query', `${name}: unknown parameter (limit, cursor, archived, metadata.KEY)`);
    }
  }
  if (Object.keys(request.metadata).length > MAX_METADATA_FILTERS) {
    throw ApiError.badRequest('invalid_metadata', `metadata: at most ${MAX_METADATA_FILTERS} filters`);
  }
  return request;
}

function parseLimit(raw: string): number {
  const limit = /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
  if (!(limit >= 1 && limit <= MAX_LIST_LIMIT)) {
    throw ApiError.badRequest('invalid_query', `limit: must be an integer from 1 to ${MAX_LIST_LIMIT}`);
  }
  return limit;
}

function parseArchived(raw: string): boolean | null {
  switch (raw) {
    case 'false':
      return false;
    case 'true':
      return true;
    case 'all':
      return null;
    default:
      throw ApiError.badRequest('invalid_query', 'archived: must be false, true or all');
  }
}
