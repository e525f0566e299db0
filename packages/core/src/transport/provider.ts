import type { TransportCliHooks } from './cli-hooks.js';
import type { TransportFactory } from './contract.js';

/**
 * The plugin contract: what a transport package exports so that core (and the CLI) can load
 * it by name and validate its options before creating anything.
 */

/** What every option spec carries, whatever its type. */
export interface OptionSpecBase {
  /** One line for `futures info` and error messages. */
  description: string;
  /** The value used when none is given (what `futures info` shows); absent: no value. */
  default?: unknown;
  /**
   * An older environment variable that is still read, with a one-time DeprecationWarning
   * naming the new one (FUTURES_<TRANSPORT>_<OPTION>), when the new one is not set.
   */
  legacyEnv?: string;
  /**
   * An older environment variable that is no longer read because it was ambiguous (two
   * transports gave it different meanings): setting it is an error naming the new variable.
   */
  retiredEnv?: string;
}

/**
 * The type of one option, for validation of values from code, the environment (strings,
 * parsed here) and configuration files, with one error shape: a TypeError or RangeError with
 * `code` ERR_FUTURES_INVALID_OPTION whose message names the option, its source and the fix.
 */
export type OptionSpec = OptionSpecBase &
  (
    | { type: 'integer' | 'number'; min?: number; max?: number }
    | { type: 'string'; choices?: readonly string[]; nonEmpty?: boolean }
    | { type: 'boolean' }
    | {
        type: 'json';
        /** `record`: an object of strings; `list`: an array of strings; `object`: any object (see `check`). */
        shape: 'record' | 'list' | 'object';
        /** Further checks of a valid shape: returns what was expected when the value is wrong. */
        check?(value: object): string | undefined;
        /** An example value for the error message. */
        example: string;
      }
  );

/**
 * What a transport package exports as `futuresTransport`, so that core can load it by name
 * (`FUTURES_TRANSPORT=x` loads `@futures/transport-x`).
 */
export interface TransportProvider {
  readonly name: string;
  /** Its own options (beyond the core ones): names, types and descriptions. */
  readonly optionSpecs: Readonly<Record<string, OptionSpec>>;
  /** Builds a factory from validated options (the same function the package exports, e.g. `shm`). */
  factory(options: Record<string, unknown>): TransportFactory;
  /** Hooks for the `futures` CLI. */
  readonly cli?: TransportCliHooks;
}
