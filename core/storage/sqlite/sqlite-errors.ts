// Turns the driver's errors into VigilErrors callers can act on: a busy or locked database is
// worth retrying, a full disk or a closed engine is not, and either way the message names the file.
import { ErrorCode, VigilError } from '../../errors.ts';

export function translateSqliteError(err: unknown, file: string, place: string): unknown {
  if (err instanceof VigilError) return err;
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof TypeError && /database connection is not open/i.test(message)) {
    return new VigilError(ErrorCode.STORE_UNAVAILABLE, `${place}: sqlite ${file} is closed`, { source: file, path: place }, { cause: err });
  }
  if (typeof code === 'string' && code.startsWith('SQLITE_') && !code.startsWith('SQLITE_CONSTRAINT')) {
    // Extended codes (SQLITE_BUSY_SNAPSHOT …) keep their base code as a prefix.
    const retryable = /^SQLITE_(BUSY|LOCKED)(_|$)/.test(code);
    return new VigilError(
      ErrorCode.STORE_UNAVAILABLE,
      `${place}: sqlite ${file}: ${code}: ${message}${retryable ? ' (another process holds the write lock; retry)' : ''}`,
      { source: file, path: place },
      { cause: err, retryable },
    );
  }
  return err;
}

/**
 * Wraps every method of a store so driver errors leave it as VigilErrors (with `place` =
 * 'events.append' and so on). The stores themselves stay free of try/catch noise.
 */
export function guardStore<T extends object>(store: T, name: string, file: string): T {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      const place = `${name}.${prop}`;
      return async (...args: unknown[]) => {
        try {
          return await (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (err) {
          throw translateSqliteError(err, file, place);
        }
      };
    },
  });
}
