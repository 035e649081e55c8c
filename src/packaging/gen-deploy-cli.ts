import { relative } from 'node:path';
import { writeDeployBase } from './gen-deploy.js';

for (const f of await writeDeployBase()) process.stdout.write(`wrote ${relative(process.cwd(), f)}\n`);
