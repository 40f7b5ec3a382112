import fc from 'fast-check';

/** Strings Postgres cannot store (jsonb and text refuse NUL; jsonb refuses unpaired surrogate escapes). */
export const POISON_STRINGS = ['\u0000', '\ud800', '\udfff', 'ok\u0000', '\udc00\ud800', 'tail \ud83d'];

/** Strings that are fine to store but easy to get wrong on the way: emoji, bidi marks, separators, escapes. */
const AWKWARD_STRINGS = [
  '',
  ' ',
  '👩‍👩‍👧‍👦',
  '\ud83d\ude00',
  '𝕏𝔂',
  '\u200f\u202eevil\u202c',
  'שלום עולם',
  'مرحبا',
  'e\u0301',
  '\u200b\u2060\ufeff',
  '\u2028\u2029',
  '\u0001\u001f\u007f',
  '\uffff\ufffe',
  '\\"\\u0000"',
  '\n\r\t',
  '</script><script>',
  '%00%ZZ',
  '${x}{{y}}',
  '\u00a0',
];

/** Keys that mean something to JavaScript objects. */
export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

/** Any string: arbitrary UTF-16 (lone surrogates, NUL), awkward and poison ones. */
export const wildString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary' }), weight: 3 },
  { arbitrary: fc.string({ unit: 'grapheme' }), weight: 2 },
  { arbitrary: fc.constantFrom(...AWKWARD_STRINGS), weight: 2 },
  { arbitrary: fc.constantFrom(...POISON_STRINGS), weight: 2 },
  { arbitrary: fc.constantFrom(...PROTOTYPE_KEYS), weight: 1 },
);

/** Strings every store keeps: unicode graphemes and the awkward ones. */
export const cleanString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }), weight: 2 },
  { arbitrary: fc.constantFrom(...AWKWARD_STRINGS), weight: 1 },
);

/** Object keys every store keeps: mostly plain, some unicode, some that name Object.prototype members. */
export const cleanKey: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ minLength: 1, maxLength: 12 }), weight: 12 },
  { arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }), weight: 4 },
  { arbitrary: fc.constantFrom(...AWKWARD_STRINGS), weight: 2 },
  { arbitrary: fc.constantFrom(...PROTOTYPE_KEYS.filter((k) => k !== '__proto__')), weight: 1 },
);

/**
 * Mostly clean strings, now and then one Postgres cannot store (arbitrary UTF-16
 * or a poison string): those must be refused, never acknowledged and half-stored.
 * Rare enough that most messages, with a dozen strings each, are still valid.
 */
export const storableString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: cleanString, weight: 120 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 8 }), weight: 2 },
  { arbitrary: fc.constantFrom(...POISON_STRINGS), weight: 1 },
);

/** Mostly clean keys, now and then `__proto__` (which JSON.parse makes an own key like any other). */
export const storableKey: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: cleanKey, weight: 60 },
  { arbitrary: fc.constant('__proto__'), weight: 1 },
);

/** Finite numbers a double holds exactly as JSON text: big-but-safe integers, tiny and huge doubles, -0. */
const storableNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 53 - 2, -0, 1e21, 5e-324, Number.MAX_VALUE),
  fc.maxSafeInteger(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** `depth` arrays around `inner`. */
export function wrapInArrays(inner: unknown, depth: number): unknown {
  let value = inner;
  for (let i = 0; i < depth; i += 1) {
    value = [value];
  }
  return value;
}

/**
 * JSON values built from `string`/`key`: objects are made with Object.fromEntries,
 * so a `__proto__` key is an own key as JSON.parse would make it, and survives
 * JSON.stringify. `maxDepth` bounds the nesting.
 */
export function jsonValueOf(
  string: fc.Arbitrary<string>,
  key: fc.Arbitrary<string>,
  maxDepth: number,
): fc.Arbitrary<unknown> {
  const { value } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', maxDepth, depthIdentifier: 'json' },
      fc.constant(null),
      fc.boolean(),
      storableNumber,
      string,
      fc.array(tie('value'), { maxLength: 4 }),
      fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }).map((entries) => Object.fromEntries(entries)),
    ),
  }));
  return value;
}

export function jsonObjectOf(
  string: fc.Arbitrary<string>,
  key: fc.Arbitrary<string>,
  maxDepth: number,
): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .array(fc.tuple(key, jsonValueOf(string, key, maxDepth)), { maxLength: 5 })
    .map((entries) => Object.fromEntries(entries) as Record<string, unknown>);
}
