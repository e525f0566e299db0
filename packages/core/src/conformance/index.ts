// The conformance suite (`@futures/core/conformance`): the whole executor contract, written
// once and run by every transport's tests. Call runConformanceSuite inside a vitest file.
import { describe } from 'vitest';
import { type ConformanceConfig, useSuiteContext } from './context.js';
import { cancellationSuite } from './suites/cancellation.js';
import { lifecycleSuite } from './suites/lifecycle.js';
import { limitsSuite } from './suites/limits.js';
import { mapSuite } from './suites/map.js';
import { resultsSuite } from './suites/results.js';
import { schedulingSuite } from './suites/scheduling.js';
import { waitingSuite } from './suites/waiting.js';

export type { ConformanceConfig } from './context.js';
export { TASKS_URL, tasks } from './context.js';
export { Gate, type GateArrival } from './gate.js';
export { expectHugeResultLosesOnlyItsWorker } from './memory-limit.js';
export { ip, ipMust, netnsUnavailable } from './netns.js';
export { alive, allGone, untilGone } from './processes.js';
export type { ChoreMode } from './tasks.js';
export { removeTempProjects, tempProject } from './temp-project.js';

export function runConformanceSuite(config: ConformanceConfig): void {
  describe(`conformance: ${config.name}`, () => {
    const ctx = useSuiteContext(config);
    describe('results and errors', () => resultsSuite(ctx));
    describe('map and starmap', () => mapSuite(ctx));
    describe('wait, asCompleted, cancel, timeouts', () => waitingSuite(ctx));
    describe('lifecycle, initializer, options', () => lifecycleSuite(ctx));
    describe('abort, deadlines, escalation', () => cancellationSuite(ctx));
    describe('placement, depth, stealing', () => schedulingSuite(ctx));
    describe('message size limit', () => limitsSuite(ctx));
  });
}
