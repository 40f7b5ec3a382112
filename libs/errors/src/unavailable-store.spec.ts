import { ClientOfflineError, SocketClosedUnexpectedlyError } from 'redis';
import { isUnavailableStoreError } from './unavailable-store';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isUnavailableStoreError', () => {
  it('recognizes a Redis client that is offline or lost its socket', () => {
    expect(isUnavailableStoreError(new ClientOfflineError())).toBe(true);
    expect(isUnavailableStoreError(new SocketClosedUnexpectedlyError())).toBe(true);
    expect(isUnavailableStoreError(withCode('read ECONNRESET', 'ECONNRESET'))).toBe(true);
  });

  it('recognizes Postgres going away, directly or wrapped in a TypeORM error', () => {
    expect(isUnavailableStoreError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isUnavailableStoreError(withCode('terminating connection due to administrator command', '57P01'))).toBe(
      true,
    );
    const wrapped = Object.assign(new Error('query failed'), { driverError: withCode('connection failure', '08006') });
    expect(isUnavailableStoreError(wrapped)).toBe(true);
  });

  it('leaves bugs and other database errors alone', () => {
    expect(isUnavailableStoreError(new TypeError('x is undefined'))).toBe(false);
    expect(isUnavailableStoreError(withCode('duplicate key value', '23505'))).toBe(false);
    expect(isUnavailableStoreError('a string')).toBe(false);
  });
});
