// Preloaded with `node --import` for TypeScript programs: registers tsx's ESM and CommonJS
// hooks in the program's main thread. Transports register tsx in their worker threads
// themselves (Node 20 does not run --import preloads in worker threads).
import { register as registerCjs } from 'tsx/cjs/api';
import { register as registerEsm } from 'tsx/esm/api';

registerEsm();
registerCjs();
