// `node --import ./report-dashboard-loads.mjs app.mjs`: says on stderr every module of
// @futures/dashboard (or ECharts) that the program loads, so a test can tell it loaded none.
import { register } from 'node:module';

const hook = `export async function load(url, context, next) {
  if (/\\/dashboard\\/(dist|src)\\/|echarts/.test(url)) process.stderr.write('dashboard module loaded: ' + url + '\\n');
  return next(url, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
