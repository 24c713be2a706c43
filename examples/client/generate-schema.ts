// Writes examples/client/schema.d.ts, the types of /openapi.json's paths that the example client
// is checked against:
//   npm run client:generate [-- --out <file>]
// The document comes from openApiDocument() directly, so no service has to run. The output is
// formatted with the repository's Prettier settings, so a regeneration from an unchanged document
// is byte for byte the committed file: test/docs/typed-client.test.ts compares the two.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import { format, resolveConfig } from 'prettier';
import { openApiDocument } from '../../src/http/openapi.js';

const committedSchema = fileURLToPath(new URL('schema.d.ts', import.meta.url));

const header = `// Generated from the document the service serves as /openapi.json by openapi-typescript:
// \`npm run client:generate\` (examples/client/generate-schema.ts). Do not edit; regenerate.
// test/docs/typed-client.test.ts fails while this file and the document differ.

`;

const { values } = parseArgs({ options: { out: { type: 'string', default: committedSchema } } });
const out = path.resolve(values.out);

// The version only fills info.version, which the generated types do not carry.
const document = JSON.stringify(openApiDocument('0.0.0'));
const types = astToString(await openapiTS(document, { silent: true }));
// The committed file's Prettier settings, wherever --out points, so the two compare equal.
const options = await resolveConfig(committedSchema);
const formatted = await format(header + types, { ...options, filepath: out });

await mkdir(path.dirname(out), { recursive: true });
await writeFile(out, formatted);
console.log(`client:generate: wrote ${path.relative(process.cwd(), out)}`);
