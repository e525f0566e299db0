// Preloaded with `node --import <this file's URL>?from=<directory>` for TypeScript programs:
// registers tsx's ESM and CommonJS hooks in the program's main thread. tsx is the
// application's (an optional peer dependency), resolved from `from` (the program's directory),
// then the working directory; `futures run` checks that it is there before it starts the
// program. Transports register tsx in their worker threads themselves (Node 20 does not run
// --import preloads in worker threads).
import { registerTypeScript } from '@futures/core/worker';

const from = new URL(import.meta.url).searchParams.get('from') ?? process.cwd();
await registerTypeScript({ from, module: `the TypeScript program (in ${from})` });
