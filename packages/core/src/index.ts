/**
 * @module @futures/core
 */
// @futures/core: the public API. This file only re-exports.

export type { DashboardOptions, DashboardSettings } from './config/dashboard-option.js';
export type {
  DashboardAttachment,
  DashboardExecutorInfo,
  DashboardProvider,
  DashboardSource,
} from './config/load-dashboard.js';
export {
  AbortError,
  BrokenExecutorError,
  CancelledError,
  DashboardError,
  ExecutorShutdownError,
  FuturesError,
  type FuturesErrorOptions,
  MessageTooLargeError,
  PoolInTaskModuleError,
  RemoteError,
  SerializationError,
  TaskLoadError,
  TimeoutError,
  TransportLoadError,
  TsxNotFoundError,
  WorkerLostError,
} from './errors.js';
export type {
  ExecutorObserver,
  ObservedTaskError,
  TaskFinishedEvent,
  TaskStartedEvent,
  WorkerJoinedEvent,
  WorkerLostEvent,
} from './executor/observers.js';
export type {
  ExecutorCoreOptions,
  FactoryExecutorOptions,
  MapOptions,
  MpiExecutorOptions,
  NamedExecutorOptions,
  PoolExecutorOptions,
  ShmExecutorOptions,
  ShutdownOptions,
  ZmqExecutorOptions,
} from './executor/options.js';
export { type Executor, PoolExecutor } from './executor/pool-executor.js';
export { isProgressMessage, type ProgressMessage } from './executor/progress-report.js';
export type { ExecutorStats, WorkerStats } from './executor/stats.js';
export type {
  MpiMode,
  MpiOptions,
  ShmOptions,
  WorkerResourceLimits,
  ZmqOptions,
} from './executor/transport-options.js';
export { Future, type FutureState } from './future.js';
export { type AnyClass, registerClass } from './serialization/classes.js';
export {
  type AnyFunction,
  isTaskRef,
  type TaskArgs,
  type TaskFn,
  type TaskLike,
  type TaskOptions,
  type TaskRef,
  type TaskResult,
  task,
  type WithOptions,
  withOptions,
} from './task.js';
export type { TransportFactory } from './transport/contract.js';
export {
  ALL_COMPLETED,
  type AsCompletedOptions,
  asCompleted,
  type ComposeHooks,
  collect,
  compose,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  type ReturnWhen,
  type WaitOptions,
  type WaitResult,
  wait,
} from './waiting.js';
export { currentSignal } from './worker/task-context.js';
export { isWorker } from './worker-context.js';
