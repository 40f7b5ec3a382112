import { refusalError } from './run-refusals';

describe('refusalError', () => {
  it('answers a busy run 409 run_busy with a Retry-After of whole seconds, at least one', () => {
    const busy = refusalError('run_a', { kind: 'busy', retryAfterMs: 20 });
    expect(busy).toMatchObject({ status: 409, code: 'run_busy', headers: { 'Retry-After': '1' } });
    expect(refusalError('run_a', { kind: 'busy', retryAfterMs: 2500 }).headers['Retry-After']).toBe('3');
  });

  it('tells a cancelled run from one that ended otherwise', () => {
    expect(refusalError('run_a', { kind: 'cancelled' }).code).toBe('run_cancelled');
    expect(refusalError('run_a', { kind: 'finished', status: 'committed' })).toMatchObject({
      status: 409,
      code: 'run_finished',
      extra: { status: 'committed' },
    });
    expect(refusalError('run_a', { kind: 'committing' }).code).toBe('run_committing');
  });

  it('answers a run of no tenant of the caller 404 run_not_found', () => {
    expect(refusalError('run_a', { kind: 'not_found' })).toMatchObject({ status: 404, code: 'run_not_found' });
  });
});
