// @futures/cli: the `futures` command. The executable is dist/bin.js; this entry exposes its parts.
export { collectInfo, formatInfo, type InfoOptions, type InfoReport, type TransportReport } from './info.js';
export { CliError, UsageError } from './meta.js';
export { createProgram, main, splitProgramTail } from './program.js';
export {
  type FinalSummary,
  ProgressModel,
  type ProgressView,
  type WorkerView,
} from './progress/model.js';
export { envNameOf, type RunOptions, runCommand } from './run.js';
export { exitStatus, type SuperviseOptions, supervise } from './supervise.js';
export { chooseTransport, KNOWN_TRANSPORTS, type TransportChoice } from './transports.js';
export { type WorkerOptions, workerCommand } from './worker.js';
