import * as os from 'node:os';
import { optionTypeError } from '../errors.js';
import type { TransportFactory } from '../transport/contract.js';
import { MAX_MESSAGE_BYTES_DEFAULT } from '../transport/message-limit.js';
import type { OptionSpec } from '../transport/provider.js';
import { type ConfigFile, findConfigFile } from './config-file.js';
import { type DashboardSettings, resolveDashboard } from './dashboard-option.js';
import { envNameOf, type Sourced, transportEnvSettings, validateOption } from './options.js';

/** Core options that can come from the environment or a config file (the rest are code-only). */
export const CORE_OPTION_SPECS = {
  transport: {
    type: 'string',
    nonEmpty: true,
    default: 'shm',
    description: 'transport name: shm, mpi, zmq, or one mapped under "transports"',
  },
  maxWorkers: { type: 'integer', min: 1, description: 'number of workers (default: available parallelism)' },
  retries: {
    type: 'integer',
    min: 0,
    default: 0,
    description: 'times a task is resubmitted after its worker is lost',
  },
  maxInFlight: { type: 'integer', min: 1, default: 64, description: 'tasks one worker may hold at once' },
  abortGraceMs: {
    type: 'integer',
    min: 0,
    description: 'ms an aborted task may run on before its worker is replaced',
  },
  maxMessageBytes: {
    type: 'integer',
    min: 1024,
    default: MAX_MESSAGE_BYTES_DEFAULT,
    description:
      "largest encoded arguments or result of one task, in bytes (lower of this and the transport's)",
  },
  cwd: { type: 'string', description: 'working directory of the workers' },
  env: {
    type: 'json',
    shape: 'record',
    example: '{ "OMP_NUM_THREADS": "1" }',
    description: 'extra environment variables for the workers (object of strings)',
  },
  execArgv: {
    type: 'json',
    shape: 'list',
    example: '["--max-old-space-size=4096"]',
    description: 'Node flags for the workers (array of strings)',
  },
} as const satisfies Record<string, OptionSpec>;

/** Options only code can give. */
export const CODE_ONLY_OPTIONS = ['initializer', 'initargs', 'signal'] as const;

export const DEFAULT_TRANSPORT = 'shm';
export const DEFAULT_MAX_IN_FLIGHT = 64;

export interface ResolvedConfig {
  transport: Sourced<string | TransportFactory>;
  maxWorkers: Sourced<number>;
  /** Whether maxWorkers came from the user (option, environment, config file), not the default. */
  maxWorkersExplicit: boolean;
  retries: number;
  maxInFlight: number;
  abortGraceMs: number | null;
  maxMessageBytes: number;
  cwd: string | null;
  env: Record<string, string> | null;
  execArgv: string[] | null;
  /** Settings not known to core: validated against the transport's specs once it is loaded. */
  transportSettings: Record<string, Sourced>;
  /** Transport name → package, from the config file's "transports" key. */
  transportPackages: Record<string, string>;
  /** The environment the executor was created in (for FUTURES_<OPTION> of transport options). */
  environment: Readonly<Record<string, string | undefined>>;
  configFile: string | null;
  /** The live dashboard (option/FUTURES_DASHBOARD/config file "dashboard"); null: off. */
  dashboard: DashboardSettings | null;
}

const TRANSPORT_NAME = /^[a-z][a-z0-9-]*$/;

/**
 * Resolves the configuration: constructor options > FUTURES_* environment >
 * futures.config.json / package.json "futures" (nearest from the cwd upward) > defaults.
 */
export function resolveConfig(
  options: Readonly<Record<string, unknown>>,
  environment: Readonly<Record<string, string | undefined>> = process.env,
  cwd: string = process.cwd(),
): ResolvedConfig {
  const file = findConfigFile(cwd, environment.FUTURES_CONFIG);
  const fileSettings = { ...(file?.settings ?? {}) };
  const transportPackages = transportPackagesOf(file);
  delete fileSettings.transports;

  const pick = (name: string): Sourced | undefined => {
    if (options[name] !== undefined) return { value: options[name], source: `option "${name}"` };
    const envName = envNameOf(name);
    const fromEnv = environment[envName];
    if (fromEnv !== undefined && fromEnv !== '')
      return { value: fromEnv, source: `environment variable ${envName}` };
    if (fileSettings[name] !== undefined)
      return { value: fileSettings[name], source: `config file ${file!.path}` };
    return undefined;
  };
  const core = <K extends keyof typeof CORE_OPTION_SPECS>(name: K): Sourced | undefined => {
    const at = pick(name);
    return at === undefined
      ? undefined
      : { value: validateOption(name, CORE_OPTION_SPECS[name], at), source: at.source };
  };

  let transport: Sourced<string | TransportFactory>;
  const t = options.transport;
  if (t !== undefined && typeof t === 'object' && t !== null) {
    if (
      typeof (t as TransportFactory).create !== 'function' ||
      typeof (t as TransportFactory).name !== 'string'
    ) {
      throw optionTypeError(
        'futures: option "transport" must be a transport name or a factory from a transport package (e.g. shm()), ' +
          'got an object without create(). Fix: pass "shm" or import { shm } from "@futures/transport-shm".',
      );
    }
    transport = { value: t as TransportFactory, source: 'option "transport"' };
  } else {
    const explicit = t === undefined ? undefined : { value: t, source: 'option "transport"' };
    const chosen = chooseTransportName(explicit, environment, file);
    transport = { value: chosen.name, source: chosen.source };
  }

  const chosenMaxWorkers = core('maxWorkers') as Sourced<number> | undefined;
  const maxWorkers = chosenMaxWorkers ?? {
    value: os.availableParallelism(),
    source: 'the default (available parallelism)',
  };
  const env = core('env');
  const execArgv = core('execArgv');

  const dashboard = resolveDashboard(pick('dashboard'));
  const known = new Set<string>([...Object.keys(CORE_OPTION_SPECS), ...CODE_ONLY_OPTIONS, 'dashboard']);
  const transportSettings: Record<string, Sourced> = {};
  for (const [name, value] of Object.entries(fileSettings)) {
    if (!known.has(name) && value !== undefined)
      transportSettings[name] = { value, source: `config file ${file!.path}` };
  }
  for (const [name, value] of Object.entries(options)) {
    if (!known.has(name) && value !== undefined)
      transportSettings[name] = { value, source: `option "${name}"` };
  }

  return {
    transport,
    maxWorkers,
    maxWorkersExplicit: chosenMaxWorkers !== undefined,
    retries: (core('retries')?.value as number | undefined) ?? 0,
    maxInFlight: (core('maxInFlight')?.value as number | undefined) ?? DEFAULT_MAX_IN_FLIGHT,
    abortGraceMs: (core('abortGraceMs')?.value as number | undefined) ?? null,
    maxMessageBytes: (core('maxMessageBytes')?.value as number | undefined) ?? MAX_MESSAGE_BYTES_DEFAULT,
    cwd: (core('cwd')?.value as string | undefined) ?? null,
    env: (env?.value as Record<string, string> | undefined) ?? null,
    execArgv: (execArgv?.value as string[] | undefined) ?? null,
    transportSettings,
    transportPackages,
    environment,
    configFile: file?.path ?? null,
    dashboard,
  };
}

/** Transport name → package, from the config file's "transports" key. */
export function transportPackagesOf(file: ConfigFile | null): Record<string, string> {
  const map = file?.settings.transports;
  if (map === undefined) return {};
  if (
    typeof map !== 'object' ||
    map === null ||
    Array.isArray(map) ||
    Object.values(map).some((v) => typeof v !== 'string')
  ) {
    throw optionTypeError(
      `futures: "transports" in ${file!.path} must map transport names to package names, e.g. { "gpu": "my-futures-gpu" }.`,
    );
  }
  return { ...(map as Record<string, string>) };
}

/**
 * Which transport, by name, and where that choice came from; the one place that decides it,
 * for the executor and the CLI alike. Precedence: `explicit` (the option, or the CLI's
 * --transport) > FUTURES_TRANSPORT > the config file's "transport" > `fallback`. Throws a
 * TypeError (ERR_FUTURES_INVALID_OPTION) naming the source when the name is not a name.
 */
export function chooseTransportName(
  explicit: Sourced | undefined,
  environment: Readonly<Record<string, string | undefined>>,
  file: ConfigFile | null,
  fallback: string = DEFAULT_TRANSPORT,
): { name: string; source: string } {
  let at: Sourced | undefined = explicit;
  const fromEnv = environment.FUTURES_TRANSPORT;
  if (at === undefined && fromEnv !== undefined && fromEnv !== '')
    at = { value: fromEnv, source: 'environment variable FUTURES_TRANSPORT' };
  if (at === undefined && file?.settings.transport !== undefined)
    at = { value: file.settings.transport, source: `config file ${file.path}` };
  if (at === undefined) return { name: fallback, source: 'the default' };
  const name = validateOption('transport', CORE_OPTION_SPECS.transport, at) as string;
  if (!TRANSPORT_NAME.test(name)) {
    throw optionTypeError(
      `futures: transport (from ${at.source}) must be a name like "shm", "mpi" or "zmq", got ` +
        `${JSON.stringify(name)}. Fix: correct or remove it in ${at.source}.`,
    );
  }
  return { name, source: at.source };
}

/**
 * Transport-specific settings, by precedence: code options > FUTURES_<TRANSPORT>_<OPTION>
 * environment variables (or a spec's deprecated `legacyEnv`) > the config file.
 */
export function transportSettingsFor(
  config: ResolvedConfig,
  transport: string,
  specs: Readonly<Record<string, OptionSpec>>,
): Record<string, Sourced> {
  const out = transportEnvSettings(transport, specs, config.environment);
  for (const [name, at] of Object.entries(config.transportSettings)) {
    if (out[name] === undefined || at.source.startsWith('option')) out[name] = at;
  }
  return out;
}
