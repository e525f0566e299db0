// Worker side of the workerpool row.
const workerpool = require('workerpool');

workerpool.worker({
  noop: () => 0,
  echo: (x) => x,
});
