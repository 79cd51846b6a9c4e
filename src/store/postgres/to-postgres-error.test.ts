import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import {
  DatabaseBusyError,
  DatabaseUnavailableError,
  StorageFullError,
  ValidationError,
} from '../../domain/errors.ts';
import { isPostgresConflict, toPostgresError } from './to-postgres-error.ts';

/** An error as the driver builds it from the server's ErrorResponse. */
function serverError(code: string): postgres.PostgresError {
  return new postgres.PostgresError({ code, message: `server said ${code}` } as never);
}

/** An error as the driver or Node's socket builds it. */
function connectionError(code: string): Error {
  return Object.assign(new Error(`write ${code} 127.0.0.1:5432`), { code });
}

describe('toPostgresError', () => {
  it.each([
    ['57P01 admin_shutdown', serverError('57P01'), DatabaseUnavailableError],
    ['57P02 crash_shutdown', serverError('57P02'), DatabaseUnavailableError],
    ['57P03 cannot_connect_now', serverError('57P03'), DatabaseUnavailableError],
    ['08006 connection_failure', serverError('08006'), DatabaseUnavailableError],
    ['08P01 protocol_violation', serverError('08P01'), DatabaseUnavailableError],
    ['ECONNREFUSED', connectionError('ECONNREFUSED'), DatabaseUnavailableError],
    ['ECONNRESET', connectionError('ECONNRESET'), DatabaseUnavailableError],
    ['CONNECTION_CLOSED', connectionError('CONNECTION_CLOSED'), DatabaseUnavailableError],
    ['CONNECTION_ENDED', connectionError('CONNECTION_ENDED'), DatabaseUnavailableError],
    ['CONNECTION_DESTROYED', connectionError('CONNECTION_DESTROYED'), DatabaseUnavailableError],
    ['CONNECT_TIMEOUT', connectionError('CONNECT_TIMEOUT'), DatabaseUnavailableError],
    [
      'every address refused',
      new AggregateError([connectionError('ECONNREFUSED'), connectionError('ECONNREFUSED')]),
      DatabaseUnavailableError,
    ],
    ['40001 serialization_failure', serverError('40001'), DatabaseBusyError],
    ['40P01 deadlock_detected', serverError('40P01'), DatabaseBusyError],
    ['53300 too_many_connections', serverError('53300'), DatabaseBusyError],
    ['53100 disk_full', serverError('53100'), StorageFullError],
  ])('%s → %o', (_name, error, expected) => {
    const mapped = toPostgresError(error);
    expect(mapped).toBeInstanceOf(expected);
    expect(mapped).toMatchObject({ cause: error });
  });

  it.each([
    ['23505 unique_violation', serverError('23505')],
    ['42P01 undefined_table', serverError('42P01')],
    ['a TypeError', new TypeError('bad bind')],
    ['an error with an unknown code', connectionError('EACCES')],
    ['a string', 'not an error'],
  ])('returns %s as it is', (_name, error) => {
    expect(toPostgresError(error)).toBe(error);
  });

  it('leaves our own errors alone', () => {
    const error = new ValidationError([]);
    expect(toPostgresError(error)).toBe(error);
  });
});

describe('isPostgresConflict', () => {
  it.each([
    ['40001', true],
    ['40P01', true],
    ['23505', false],
    ['57P01', false],
  ])('%s → %s', (code, expected) => {
    expect(isPostgresConflict(serverError(code))).toBe(expected);
  });

  it('is false for a connection failure', () => {
    expect(isPostgresConflict(connectionError('ECONNRESET'))).toBe(false);
  });
});
