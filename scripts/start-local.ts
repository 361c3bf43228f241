/**
 * `npm start`: the whole local stack with nothing else installed. DynamoDB Local (data kept in
 * .local/dynamodb), the table from resources/dynamodb.yml, the read model's PostgreSQL
 * (DATABASE_URL if set, else an embedded PGlite on PGLITE_PORT, default 5433, data kept in
 * .local/pglite) with its migrations applied, the local token issuer's keys, the API on
 * serverless-offline at http://127.0.0.1:3000 (PORT to change), and the event pipeline (stream →
 * publisher → EventBridge stand-in → queues → consumers). Ctrl-C stops it all.
 */
import { resolve } from 'node:path';
import { ensureLocalIssuer } from '../src/adapters/identity/localIssuer.ts';
import { readMigrationFiles } from '../src/adapters/postgres/migrationFiles.ts';
import { migrate } from '../src/adapters/postgres/migrator.ts';
import { createPool } from '../src/adapters/postgres/pool.ts';
import { startLocalEvents } from './lib/localEvents.ts';
import { ensureTable, LOCAL_ISSUER_DIR, LOCAL_STAGE, localTableName, packageTemplate, PROJECT_ROOT, startDynamoDbLocal, startEmbeddedPostgres, startOffline, type Stoppable } from './lib/localStack.ts';

const httpPort = Number(process.env.PORT ?? 3000);
const lambdaPort = Number(process.env.LAMBDA_PORT ?? httpPort + 2);
const dynamoPort = Number(process.env.DYNAMODB_PORT ?? 8000);
const busPort = Number(process.env.EVENTBRIDGE_PORT ?? 4010);
const pglitePort = Number(process.env.PGLITE_PORT ?? 5433);

const running: Stoppable[] = [];
let stopping = false;
async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await Promise.all(running.reverse().map((p) => p.stop()));
  }
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

try {
  await ensureLocalIssuer(LOCAL_ISSUER_DIR);
  const dynamo = await startDynamoDbLocal({ port: dynamoPort, dataDir: resolve(PROJECT_ROOT, '.local', 'dynamodb') });
  running.push(dynamo);
  await ensureTable(dynamo.endpoint, localTableName());
  console.log(`DynamoDB Local ready at ${dynamo.endpoint} (table ${localTableName()})`);
  const template = packageTemplate(LOCAL_STAGE, resolve(PROJECT_ROOT, '.serverless-local'));
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    const embedded = await startEmbeddedPostgres({ port: pglitePort, dataDir: resolve(PROJECT_ROOT, '.local', 'pglite') });
    running.push(embedded);
    databaseUrl = embedded.url;
  }
  const pool = createPool({ kind: 'url', url: databaseUrl, poolMax: 1 });
  try {
    const report = await migrate(pool, await readMigrationFiles());
    console.log(`PostgreSQL read model ready at ${databaseUrl.replace(/\/\/[^@]*@/, '//')} (${report.applied.length} migration(s) applied now, ${report.alreadyApplied.length} before)`);
  } finally {
    await pool.end();
  }
  const api = await startOffline({ httpPort, lambdaPort, dynamoEndpoint: dynamo.endpoint, eventBridgeEndpoint: `http://127.0.0.1:${busPort}`, databaseUrl });
  running.push(api);
  api.process.once('exit', (code) => void stopAll(code ?? 1));
  // DynamoDB Local's stream → publisher → local EventBridge → queues → consumers, as the packaged template routes them.
  const events = await startLocalEvents({ template: await template, dynamoEndpoint: dynamo.endpoint, tableName: localTableName(), lambdaEndpoint: api.lambdaEndpoint, busPort, log: (m) => console.log(`[events] ${m}`) });
  running.push(events);
  console.log(`Event pipeline ready (EventBridge stand-in at ${events.busEndpoint}; dead letters at ${events.busEndpoint}/dead-letters)`);
  console.log(`\nEntity API (stage local) ready at ${api.url}\n  try: curl ${api.url}/api/v1/health\n  token: npm run --silent token -- --tenant t1\n  Ctrl-C stops everything.`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  await stopAll(1);
}
