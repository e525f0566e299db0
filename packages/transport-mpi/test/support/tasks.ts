import { task } from '@futures/core';
import type * as T from '../fixtures/tasks.mjs';

export const TASKS_URL = new URL('../fixtures/tasks.mjs', import.meta.url);

export const tasks = {
  echo: task<(x: Uint8Array) => Uint8Array>(TASKS_URL, 'echo'),
  pid: task<typeof T.pid>(TASKS_URL, 'pid'),
  hang: task<typeof T.hang>(TASKS_URL, 'hang'),
  busy: task<typeof T.busy>(TASKS_URL, 'busy'),
  sample: task<typeof T.sample>(TASKS_URL, 'sample'),
  collectives: task<typeof T.collectives>(TASKS_URL, 'collectives'),
};
