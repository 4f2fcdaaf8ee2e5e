/**
 * Checks for a value that came from untrusted code (a plugin's `info`, an
 * adapter's record read back from the cache): each returns the value with its
 * type, or throws the caller's error naming the field and what is wrong.
 * Failures are of two kinds, so that a caller can tell a value of the wrong
 * shape (`type`) from one that breaks a rule or a bound (`rule`).
 */
export type Failure = 'type' | 'rule';

export interface ChecksOptions {
  fail: (what: string, failure: Failure) => Error;
  /** The longest `text` without its own `max` (default: no bound). */
  maxText?: number;
  /** `null` counts as absent in `optionalText` (default: only undefined does). */
  nullIsAbsent?: boolean;
}

export interface Checks {
  /** Throws unless `cond`; a `rule` failure unless told otherwise. */
  check(cond: boolean, what: string, failure?: Failure): asserts cond;
  text(value: unknown, field: string, max?: number): string;
  optionalText(value: unknown, field: string, max?: number): string | undefined;
  bool(value: unknown, field: string): boolean;
  /** An object that is not a list. */
  record(value: unknown, field: string): Record<string, unknown>;
  /** A list of at most `max` items, each checked by `each` as `field[i]`. */
  list<T>(value: unknown, field: string, each: (value: unknown, field: string) => T, max?: number): T[];
}

export function checks({ fail, maxText = Infinity, nullIsAbsent = false }: ChecksOptions): Checks {
  const check: Checks['check'] = (cond, what, failure = 'rule') => {
    if (!cond) throw fail(what, failure);
  };
  const text = (value: unknown, field: string, max = maxText): string => {
    check(typeof value === 'string', `${field} is not a string`, 'type');
    check(value.length <= max, `${field} is longer than ${max} characters`);
    return value;
  };
  return {
    check,
    text,
    optionalText: (value, field, max) => (value === undefined || (nullIsAbsent && value === null) ? undefined : text(value, field, max)),
    bool(value, field) {
      check(typeof value === 'boolean', `${field} is not a bool`, 'type');
      return value;
    },
    record(value, field) {
      check(typeof value === 'object' && value !== null && !Array.isArray(value), `${field} is not a record`, 'type');
      return value as Record<string, unknown>;
    },
    list(value, field, each, max = 1000) {
      check(Array.isArray(value), `${field} is not a list`, 'type');
      check(value.length <= max, `${field} has more than ${max} items`);
      return value.map((v, i) => each(v, `${field}[${i}]`));
    },
  };
}
