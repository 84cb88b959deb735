// Builds js-scale.wasm with the componentize() API (the `jco componentize`
// CLI could not read our WIT directory).
//
// Usage: node build.mjs WIT_DIR OUTPUT_WASM   (run by ../build.sh with
// NODE_PATH pointing at the installed node_modules)

import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [witPath, output] = process.argv.slice(2);
if (!witPath || !output) {
  console.error('usage: node build.mjs WIT_DIR OUTPUT_WASM');
  process.exit(2);
}

// Resolved from the node_modules that build.sh installed.
const modules = process.env.POLYGLOT_NODE_MODULES;
const { componentize } = await import(
  join(modules, '@bytecodealliance/componentize-js/src/componentize.js')
);

const { component } = await componentize({
  sourcePath: join(dirname(fileURLToPath(import.meta.url)), 'scale.js'),
  witPath,
  worldName: 'transformer',
  // Both `http` and `fetch-event` add wasi:http imports, and `stdio` pulls in
  // wasi:filesystem through the WASI adapter: the sandbox refuses both. What
  // is left (clocks, random, stderr) is inert or granted; see contract.rs.
  disableFeatures: ['stdio', 'http', 'fetch-event'],
});
await writeFile(output, component);
console.error(`js-scale: ${component.length} bytes -> ${output}`);
