// A program with no dashboard in its code: the environment or a config file turns it on.
// Driven on stdin, one command per line, each answered by one JSON line on stdout:
//   echo <text> <n>   n tasks echo(`${text}-${i}`) (text in the arguments and the results)
//   quit              shut the executor down; the program then ends by itself (no exit call)
import * as readline from 'node:readline';
import { PoolExecutor, task } from '@futures/core';

const echo = task(new URL('./tasks.mjs', import.meta.url), 'echo');
const say = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);

const pool = new PoolExecutor({ maxWorkers: 2 });
await pool.bootup();
say({ event: 'ready', workers: pool.numWorkers });

const lines = readline.createInterface({ input: process.stdin });
for await (const line of lines) {
  const [command, text, n] = line.trim().split(/\s+/);
  if (command === 'echo') {
    const results = await Promise.all(
      Array.from({ length: Number(n) }, (_, i) => pool.submit(echo, { text: `${text}-${i}` })),
    );
    say({ event: 'echoed', n: results.length, last: results.at(-1).text === `${text}-${Number(n) - 1}` });
  } else if (command === 'quit') {
    await pool.shutdown();
    say({ event: 'stopped' });
    lines.close();
    process.stdin.destroy(); // the test's pipe: the only handle of this program's own
  }
}
