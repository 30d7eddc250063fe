// Rewrites the configuration table of README.md from the collector's configuration schema
// (collector/src/config). Run through `pnpm config-docs`, which builds first.
import { readFileSync, writeFileSync } from 'node:fs';
import { withConfigTable } from '../collector/dist/config/readme-table.js';

const path = new URL('../README.md', import.meta.url);
const before = readFileSync(path, 'utf8');
const after = withConfigTable(before);
if (after !== before) writeFileSync(path, after);
console.log(after === before ? 'README.md: the configuration table is up to date' : 'README.md: configuration table rewritten from the schema');
