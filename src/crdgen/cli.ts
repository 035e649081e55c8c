import { relative } from 'node:path';
import { writeCrds } from './main.js';

for (const f of await writeCrds()) process.stdout.write(`wrote ${relative(process.cwd(), f)}\n`);
