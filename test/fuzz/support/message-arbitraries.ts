import fc from 'fast-check';
import { jsonObjectOf, jsonValueOf, wrapInArrays } from './json-arbitraries';

/** A message as the append body carries it. */
export interface SentMessage {
  role: string;
  parts: Record<string, unknown>[];
  metadata?: Record<string, unknown>;
  token_count?: number;
}

const KNOWN_PART_TYPES = ['text', 'reasoning', 'tool_call', 'tool_result', 'file', 'data'];

/** Fields the known part types give a meaning to: extra fields never reuse them. */
const PART_FIELDS = new Set([
  'type',
  'text',
  'name',
  'tool_name',
  'tool_call_id',
  'media_type',
  'mediaType',
  'url',
  'data',
]);

/** The deepest array nesting put into metadata: far below the documented limit, counted from the request body. */
const METADATA_ARRAY_DEPTH = 20;

type Field = [string, unknown];

/**
 * Valid messages (as the API documents them) whose strings and keys come from
 * `string` and `key`: parts of every known type and of unknown types, extra
 * fields on parts, metadata with arbitrary JSON values.
 */
export function messageArbitraries(string: fc.Arbitrary<string>, key: fc.Arbitrary<string>) {
  const value = jsonValueOf(string, key, 3);
  const nonEmpty = string.filter((s) => s.length > 0);
  const extras = fc.array(
    fc.tuple(
      key.filter((k) => !PART_FIELDS.has(k)),
      value,
    ),
    { maxLength: 3 },
  );
  const optional = (name: string, arbitrary: fc.Arbitrary<unknown>) =>
    fc.option(
      arbitrary.map((v): Field => [name, v]),
      { nil: undefined },
    );
  const present = (fields: (Field | undefined)[]) => fields.filter((f): f is Field => f !== undefined);

  /** `type` first, then the part's own fields, then extra ones, as a client would write it. */
  const part = (type: fc.Arbitrary<string>, fields: fc.Arbitrary<Field[]>) =>
    fc
      .tuple(type, fields, extras)
      .map(([t, own, extra]) => Object.fromEntries([['type', t], ...own, ...extra]) as Record<string, unknown>);

  const parts = fc.oneof(
    part(
      fc.constantFrom('text', 'reasoning'),
      string.map((text): Field[] => [['text', text]]),
    ),
    part(
      fc.constant('tool_call'),
      fc
        .tuple(fc.constantFrom('name', 'tool_name'), nonEmpty, optional('tool_call_id', nonEmpty), value)
        .map(([field, name, id, payload]) => present([[field, name], id, ['payload', payload]])),
    ),
    part(
      fc.constant('tool_result'),
      fc
        .tuple(optional('tool_call_id', nonEmpty), optional('name', nonEmpty), value)
        .map(([id, name, result]) => present([id, name, ['result', result]])),
    ),
    part(
      fc.constant('file'),
      fc.oneof(
        fc.webUrl().map((url): Field[] => [['url', url]]),
        fc
          .tuple(fc.base64String(), fc.constantFrom('image/png', 'text/plain; charset=utf-8'))
          .map(([data, mediaType]): Field[] => [
            ['media_type', mediaType],
            ['data', data],
          ]),
      ),
    ),
    part(
      fc.constant('data'),
      value.map((data): Field[] => [['data', data]]),
    ),
    part(
      nonEmpty.filter((t) => !KNOWN_PART_TYPES.includes(t)),
      fc.constant([]),
    ),
  );

  const metadata = fc
    .tuple(
      jsonObjectOf(string, key, 3),
      fc.option(fc.tuple(fc.integer({ min: 1, max: METADATA_ARRAY_DEPTH }), value), { nil: undefined }),
    )
    .map(([object, deep]) =>
      deep === undefined
        ? object
        : (Object.fromEntries([...Object.entries(object), ['nested', wrapInArrays(deep[1], deep[0])]]) as Record<
            string,
            unknown
          >),
    );

  const message: fc.Arbitrary<SentMessage> = fc.record(
    {
      role: fc.oneof(
        { arbitrary: fc.constantFrom('user', 'assistant', 'system', 'tool'), weight: 3 },
        { arbitrary: nonEmpty.filter((r) => r.length <= 64), weight: 2 },
      ),
      parts: fc.array(parts, { minLength: 1, maxLength: 4 }),
      metadata,
      token_count: fc.nat(),
    },
    { requiredKeys: ['role', 'parts'] },
  );

  return { part: parts, metadata, message };
}
