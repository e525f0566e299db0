/**
 * @module @futures/dashboard
 */
// @futures/dashboard: a live page of this program's executors. This file only re-exports.

export { closeDashboard, dashboardUrl, futuresDashboard } from './attach.js';
export { DashboardHub, DEFAULT_LIMITS, type HubLimits } from './hub.js';
export {
  DASHBOARD_PROTOCOL_VERSION,
  type DashboardMessage,
  type DashboardMessageType,
  type ExecutorInfo,
  type HelloMessage,
  type SettingValue,
  type StatsPoint,
  type TaskErrorInfo,
  type TaskSpan,
  type WorkerInfo,
  type WorkerLoad,
} from './messages.js';
export { DashboardServer, type DashboardServerOptions, isLoopback } from './server.js';
