// Rewrites the configuration table of docs/configuration.md from the collector's configuration schema
// (collector/src/config). Run through `pnpm config-docs`, which builds first.
import { readFileSync, writeFileSync } from 'node:fs';
import { withConfigTable } from '../collector/dist/config/docs-table.js';

const path = new URL('../docs/configuration.md', import.meta.url);
const before = readFileSync(path, 'utf8');
const after = withConfigTable(before);
if (after !== before) writeFileSync(path, after);
console.log(after === before ? 'docs/configuration.md: the configuration table is up to date' : 'docs/configuration.md: configuration table rewritten from the schema');
