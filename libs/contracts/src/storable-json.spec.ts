import { findUnstorableJson, MAX_JSON_NESTING } from './storable-json';

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i += 1) {
    value = i % 2 === 0 ? [value] : { k: value };
  }
  return value;
}

describe('findUnstorableJson', () => {
  it('accepts what every store keeps: emoji, RTL marks, paired surrogates, big finite numbers, `constructor` keys', () => {
    const value = {
      text: '👋🏽 \u200f𝄞',
      n: 1.7976931348623157e308,
      constructor: { prototype: 'x' },
      list: [null, true],
    };
    expect(findUnstorableJson(value)).toBeNull();
    expect(findUnstorableJson(nested(MAX_JSON_NESTING))).toBeNull();
  });

  it.each([
    ['a NUL in a value', { a: ['x', 'y\u0000'] }, ['a', 1], 'NUL'],
    ['a NUL in a key', { a: { 'k\u0000': 1 } }, ['a', 'k\u0000'], 'key: strings must not contain the NUL'],
    ['a lone high surrogate', { a: '\ud800' }, ['a'], 'unpaired surrogate'],
    ['a lone low surrogate in a key', { '\udc00': 1 }, ['\udc00'], 'key: strings must be well-formed'],
    ['Infinity', { a: [Infinity] }, ['a', 0], 'finite'],
    ['NaN', { a: NaN }, ['a'], 'finite'],
    ['a __proto__ key', JSON.parse('{"a":{"__proto__":{"x":1}}}') as unknown, ['a', '__proto__'], '__proto__'],
  ])('finds %s and names its path', (_name, value, path, reason) => {
    const found = findUnstorableJson(value);
    expect(found?.path).toEqual(path);
    expect(found?.reason).toContain(reason);
  });

  it('refuses nesting past the limit at any depth, walking no deeper than the limit', () => {
    expect(findUnstorableJson(nested(MAX_JSON_NESTING + 1))?.reason).toBe(
      `nesting deeper than ${MAX_JSON_NESTING} levels`,
    );
    expect(findUnstorableJson(nested(200_000))?.reason).toContain('nesting deeper');
  });

  it('reports the first problem in document order', () => {
    expect(findUnstorableJson({ a: 'ok', b: ['\u0000'], c: '\ud800' })?.path).toEqual(['b', 0]);
  });
});
