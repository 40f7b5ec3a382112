import { commandConfigSchema, minimumHoleGraceMs } from './command.config';

const parse = (env: Record<string, string>) => commandConfigSchema.safeParse({ AUTH_MODE: 'none', ...env });
const holeGraceIssues = (env: Record<string, string>) => {
  const result = parse(env);
  return result.success ? [] : result.error.issues.filter((issue) => issue.path.join('.') === 'HOLE_GRACE_MS');
};

describe('command config: HOLE_GRACE_MS', () => {
  const ackTimeouts = [1000, 2000, 5000, 60_000];

  it.each(ackTimeouts)('accepts HOLE_GRACE_MS at the minimum for APPEND_ACK_TIMEOUT_MS=%d', (ack) => {
    const env = { APPEND_ACK_TIMEOUT_MS: String(ack), HOLE_GRACE_MS: String(minimumHoleGraceMs(ack)) };
    expect(parse(env).success).toBe(true);
  });

  it.each(ackTimeouts)('refuses HOLE_GRACE_MS one ms below the minimum for APPEND_ACK_TIMEOUT_MS=%d', (ack) => {
    const env = { APPEND_ACK_TIMEOUT_MS: String(ack), HOLE_GRACE_MS: String(minimumHoleGraceMs(ack) - 1) };
    expect(holeGraceIssues(env)).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/^must be at least /) as string }),
    ]);
  });

  it('never lets a hole be tombstoned before an append reserved for it could still be acknowledged', () => {
    for (let ack = 100; ack <= 60_000; ack += 100) {
      expect(minimumHoleGraceMs(ack)).toBeGreaterThan(ack);
    }
  });

  it('accepts its defaults as they are', () => {
    expect(parse({}).success).toBe(true);
  });
});
