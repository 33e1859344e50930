#!/usr/bin/env node
// The `prompt-studio` command: the studio's engine, headless in Node. TypeScript sources run through
// tsx; WGSL `?raw` imports through our loader hook (registered last so it is consulted first).
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register('./raw-loader.mjs', import.meta.url);

const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
