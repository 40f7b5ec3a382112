import { canonicalJson, contentHash } from './content-hash';

describe('contentHash', () => {
  it('ignores object key order', () => {
    expect(contentHash({ a: 1, b: { c: 2, d: 3 } })).toBe(contentHash({ b: { d: 3, c: 2 }, a: 1 }));
  });

  it('tells different content apart, including array order', () => {
    expect(contentHash({ parts: [1, 2] })).not.toBe(contentHash({ parts: [2, 1] }));
    expect(contentHash({ text: 'a' })).not.toBe(contentHash({ text: 'b' }));
  });

  it('drops undefined fields like JSON does', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });
});
