// Writes docs/asyncapi.yaml, the AsyncAPI document of the order events with the default settings
// (EVENTS_EXCHANGE orders, EVENTS_SOURCE /order-service, EVENTS_TYPE_PREFIX com.example):
//   npm run asyncapi:generate [-- --out <file>]
// The document comes from asyncApiDocument() directly, as the service serves it at /asyncapi.json
// (with its own settings), so no service has to run. The output is formatted with the
// repository's Prettier settings, so a regeneration from unchanged code is byte for byte the
// committed file: test/events/asyncapi.test.ts compares the two.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { format, resolveConfig } from 'prettier';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config.js';
import { asyncApiDocument } from '../../src/events/asyncapi-document.js';
import { packageVersion } from '../../src/package-version.js';

const committedDocument = fileURLToPath(new URL('../../docs/asyncapi.yaml', import.meta.url));

const header = `# Generated from src/events/asyncapi-document.ts, as the service serves it at /asyncapi.json
# with the default EVENTS_* settings: \`npm run asyncapi:generate\`. Do not edit; regenerate.
# test/events/asyncapi.test.ts fails while this file and the code differ.
`;

const { values } = parseArgs({ options: { out: { type: 'string', default: committedDocument } } });
const out = path.resolve(values.out);

const { exchange, source, typePrefix } = loadConfig({}).events;
const document = asyncApiDocument({ version: packageVersion(), exchange, source, typePrefix });
// lineWidth 0: no folded strings, so Prettier has nothing to re-wrap.
const text = header + stringify(document, { lineWidth: 0, aliasDuplicateObjects: false });
// The committed file's Prettier settings, wherever --out points, so the two compare equal.
const options = await resolveConfig(committedDocument);
const formatted = await format(text, { ...options, filepath: out });

await mkdir(path.dirname(out), { recursive: true });
await writeFile(out, formatted);
console.log(`asyncapi:generate: wrote ${path.relative(process.cwd(), out)}`);
