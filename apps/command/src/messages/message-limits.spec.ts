import { ApiError } from '@threadline/errors';
import { checkMessageLimits, estimateTokenCount } from './message-limits';

const limits = { messageBytes: 1000, parts: 2, metadataBytes: 50 };
const text = (t: string) => ({ type: 'text', text: t });

/** The code of the ApiError `fn` throws, undefined if it throws nothing; any other exception fails the test. */
function codeOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (error instanceof ApiError) {
      return error.code;
    }
    throw error;
  }
}

describe('message limits', () => {
  it('accepts a message within every limit', () => {
    expect(codeOf(() => checkMessageLimits({ role: 'user', parts: [text('hi')] }, limits))).toBeUndefined();
  });

  it('rejects too many parts, oversize metadata and oversize messages with distinct codes', () => {
    expect(codeOf(() => checkMessageLimits({ role: 'u', parts: [text('a'), text('b'), text('c')] }, limits))).toBe(
      'invalid_message',
    );
    expect(
      codeOf(() => checkMessageLimits({ role: 'u', parts: [text('a')], metadata: { k: 'x'.repeat(60) } }, limits)),
    ).toBe('invalid_metadata');
    expect(codeOf(() => checkMessageLimits({ role: 'u', parts: [text('x'.repeat(1000))] }, limits))).toBe(
      'message_too_large',
    );
  });

  it('estimates tokens as FleetLM does: a token per 4 bytes of text', () => {
    expect(estimateTokenCount({ role: 'u', parts: [text('12345678'), { type: 'data', data: 1 }, text('abc')] })).toBe(
      2,
    );
  });
});
