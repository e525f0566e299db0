#!/usr/bin/env node
// Copies ECharts' one-file build (and its LICENSE and NOTICE, which Apache-2.0 asks to keep
// with it) into dist/vendor/, which the package ships: users get 1 MB, not the 70 MB of the
// echarts and zrender packages (a build-time dependency only). Run by `pnpm build`.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const pkg = path.resolve(import.meta.dirname, '..');
const require = createRequire(path.join(pkg, 'package.json'));
const echarts = path.dirname(require.resolve('echarts/package.json'));
const out = path.join(pkg, 'dist', 'vendor');
fs.mkdirSync(out, { recursive: true });
const { version } = JSON.parse(fs.readFileSync(path.join(echarts, 'package.json'), 'utf8'));
fs.copyFileSync(path.join(echarts, 'dist', 'echarts.min.js'), path.join(out, 'echarts.min.js'));
fs.copyFileSync(path.join(echarts, 'LICENSE'), path.join(out, 'ECHARTS-LICENSE'));
fs.copyFileSync(path.join(echarts, 'NOTICE'), path.join(out, 'ECHARTS-NOTICE'));
fs.writeFileSync(path.join(out, 'ECHARTS-VERSION'), `${version}\n`);
