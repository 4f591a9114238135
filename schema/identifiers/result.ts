import { DomainError } from '../runtime/errors';

/** A rule the value breaks but that is accepted for known-bad legacy data; the caller flags the record. */
export interface IdentifierWarning<R extends string = string> {
  readonly rule: R;
  readonly message: string;
}

/** A rejected value: the stable rule code, a human message naming the rule and the value, the raw input. */
export interface IdentifierFailure<R extends string = string> {
  readonly ok: false;
  readonly rule: R;
  readonly message: string;
  /** The input exactly as received (before normalisation), for quarantine and replay. */
  readonly input: string;
}

/** An accepted value: `value` is the normalised form to store; `T` carries what was derived from it. */
export type IdentifierSuccess<T, W extends string = string> = {
  readonly ok: true;
  readonly value: string;
  readonly warnings: readonly IdentifierWarning<W>[];
} & T;

const MAX_QUOTED = 40;

/** The value in double quotes for a message, cut to a readable length, control characters escaped. */
export function quote(value: string): string {
  const chars = Array.from(value);
  const shown = chars.length > MAX_QUOTED ? `${chars.slice(0, MAX_QUOTED).join('')}…` : value;
  return JSON.stringify(shown);
}

export function fail<R extends string>(
  rule: R,
  message: string,
  input: string | null | undefined,
): IdentifierFailure<R> {
  return { ok: false, rule, message, input: input ?? '' };
}

/**
 * The thrown form of a failure, for callers that reject rather than quarantine (GraphQL input, CLI):
 * `code` is the rule, so partners can branch on it like any other DomainError.
 */
export class IdentifierError extends DomainError {
  constructor(
    readonly rule: string,
    message: string,
    readonly field?: string,
    input?: string,
  ) {
    super(rule, field ? `${field}: ${message}` : message, {
      rule,
      ...(field ? { field } : {}),
      ...(input !== undefined ? { value: input } : {}),
    });
    this.name = 'IdentifierError';
  }
}

/** Returns the success, or throws the failure as an IdentifierError naming `field`. */
export function unwrapIdentifier<S extends { readonly ok: true }>(
  result: S | IdentifierFailure,
  field?: string,
): S {
  if (result.ok) return result;
  throw new IdentifierError(result.rule, result.message, field, result.input);
}
