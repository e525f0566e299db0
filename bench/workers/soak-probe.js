// Soak workload (src/soak.ts): what a worker's own V8 heap holds. Worker threads (shm) have
// their heaps in the controller's process, so they count in its RSS.
import * as v8 from 'node:v8';
import { threadId } from 'node:worker_threads';

export function heap() {
  const h = v8.getHeapStatistics();
  const m = process.memoryUsage();
  return {
    id: `${process.pid}:${threadId}`,
    usedMB: h.used_heap_size / 1048576,
    physicalMB: h.total_physical_size / 1048576,
    mallocedMB: h.malloced_memory / 1048576,
    externalMB: m.external / 1048576,
    arrayBuffersMB: m.arrayBuffers / 1048576,
  };
}
