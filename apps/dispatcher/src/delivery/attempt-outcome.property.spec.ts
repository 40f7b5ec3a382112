import fc from 'fast-check';
import { messageBodySchema } from '@threadline/contracts';
import { classifyAnswer, MAX_REPLY_MESSAGES, responseExcerpt } from './attempt-outcome';

/** Whatever a receiver answers: any text, any JSON, and JSON shaped almost like a reply. */
const replyLike = fc.record({
  messages: fc.array(
    fc.record(
      {
        role: fc.oneof(fc.constantFrom('assistant', 'user', ''), fc.string()),
        parts: fc.anything(),
        metadata: fc.anything(),
      },
      { requiredKeys: ['role'] },
    ),
    { maxLength: MAX_REPLY_MESSAGES + 2 },
  ),
});
const body = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.json(),
  fc.anything().map((value) => JSON.stringify(value) ?? ''),
  replyLike.map((value) => JSON.stringify(value)),
);

describe('classifyAnswer on any answer', () => {
  it('never throws, only a 2xx is a reply, and a reply holds only messages the append route takes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), body, (status, text) => {
        const outcome = classifyAnswer({ status, body: text, retryAfterMs: null });
        if (outcome.kind === 'reply') {
          expect(status >= 200 && status < 300).toBe(true);
          expect(outcome.messages.length).toBeGreaterThan(0);
          expect(outcome.messages.length).toBeLessThanOrEqual(MAX_REPLY_MESSAGES);
          for (const message of outcome.messages) {
            expect(messageBodySchema.safeParse(message).success).toBe(true);
          }
        }
        if (status >= 300) {
          expect(outcome.kind).toBe(status === 408 || status === 429 || status >= 500 ? 'retry' : 'failed');
        }
      }),
      { seed: 20261130, numRuns: 500 },
    );
  });

  it('keeps at most 512 bytes of any response body, cut on a character boundary', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 130, maxLength: 700 }), (text) => {
        const excerpt = responseExcerpt(text);
        expect(Buffer.byteLength(excerpt, 'utf8')).toBeLessThanOrEqual(512);
        expect(Buffer.from(text, 'utf8').subarray(0, Buffer.byteLength(excerpt, 'utf8')).toString('utf8')).toBe(
          excerpt,
        );
      }),
      { seed: 20261130, numRuns: 500 },
    );
  });
});
