import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { generateArtifacts } from '../src/contract/artifacts.ts';
import { exitWithHelpIfAsked } from './lib/cli.ts';

/** `npm run openapi`: writes the OpenAPI document, the API Gateway models and the client's types from the zod schemas. */
exitWithHelpIfAsked('usage: npm run openapi\nWrites docs/openapi.json, the API Gateway models (resources/models) and the client\'s types (src/client/openapi.ts) from the zod schemas.');
const root = resolve(import.meta.dirname, '..');
for (const [path, text] of Object.entries(await generateArtifacts())) {
  await mkdir(dirname(resolve(root, path)), { recursive: true });
  await writeFile(resolve(root, path), text);
  console.log(`wrote ${path}`);
}
