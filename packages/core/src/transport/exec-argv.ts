/** Flags that say the program itself came from a string, with the value each takes. */
const PROGRAM_FROM_STRING = new Map<string, boolean>([
  ['-e', true],
  ['--eval', true],
  ['-p', true],
  ['--print', true],
  ['--input-type', true],
  ['-i', false],
  ['--interactive', false],
  ['-c', false],
  ['--check', false],
]);

/**
 * The preload `futures run -c` adds so that process.argv[1] is "-c" (as Python's sys.argv[0]):
 * part of how that program was started, so never inherited by its workers.
 */
export const ARGV_DASH_C_IMPORT = "data:text/javascript,process.argv.splice(1,0,'-c')";

/** The inspector's flags. */
const INSPECTOR = /^--(inspect|debug)(-brk|-wait)?$|^--(inspect|debug)-port$/;

function flagName(arg: string): string {
  const eq = arg.indexOf('=');
  return eq === -1 ? arg : arg.slice(0, eq);
}

/**
 * The Node flags a worker should start with when the user set no `execArgv`: this process's
 * own, minus those that belong to how this process was started rather than to the program.
 *
 * - `-e`/`--eval`, `-p`/`--print` with their code, `--input-type`, `-i`, `-c`: the program came
 *   from a string (`futures run -c`, `node -e`). A worker process given them would run that code
 *   instead of its entry (each worker starting a pool of its own, without end); a worker thread
 *   refuses to start (ERR_INPUT_TYPE_NOT_ALLOWED).
 *   So is the preload `futures run -c` adds (ARGV_DASH_C_IMPORT).
 * - `--inspect*`, `--debug*` (processes only, `forProcess`): a second process cannot take the
 *   inspector's port, and `--inspect-brk` would stop it.
 */
export function inheritableExecArgv(
  forProcess: boolean,
  argv: readonly string[] = process.execArgv,
): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = flagName(arg);
    const takesValue = PROGRAM_FROM_STRING.get(name);
    if (takesValue !== undefined) {
      if (takesValue && name === arg) i++; // "--eval CODE": skip the code too
      continue;
    }
    if (arg === `--import=${ARGV_DASH_C_IMPORT}`) continue;
    if (arg === '--import' && argv[i + 1] === ARGV_DASH_C_IMPORT) {
      i++;
      continue;
    }
    if (forProcess && INSPECTOR.test(name)) {
      if (name.endsWith('-port') && name === arg) i++;
      continue;
    }
    out.push(arg);
  }
  return out;
}

/** Whether this process's program came from a string (then workers must not inherit its flags as they are). */
export function programFromString(argv: readonly string[] = process.execArgv): boolean {
  return argv.some((a) => PROGRAM_FROM_STRING.has(flagName(a)));
}
