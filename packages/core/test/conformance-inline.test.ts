import { runConformanceSuite } from '../src/conformance/index.js';
import { PoolExecutor } from '../src/index.js';
import { inline } from './support/inline-transport.js';

// Core's own check of the contract, on the in-process test transport (workers run in this
// thread; frames are copied on every hop). Real transports run the same suite in their packages.
runConformanceSuite({
  name: 'inline (core test transport)',
  createExecutor: (options) => new PoolExecutor({ ...options, transport: inline() }),
  capabilities: { chdir: false, isolated: false },
});
