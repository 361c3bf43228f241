/**
 * `npm start`: the whole local stack with nothing else installed. DynamoDB Local (data kept in
 * .local/dynamodb), the table from resources/dynamodb.yml, the read model's PostgreSQL
 * (DATABASE_URL if set, else an embedded PGlite on PGLITE_PORT, default 5433, data kept in
 * .local/pglite) with its migrations applied, the local token issuer's keys, the API on
 * serverless-offline at http://127.0.0.1:3000 (PORT to change), the event pipeline (stream →
 * publisher → EventBridge stand-in → queues → consumers), and what jobs run on: a local S3 with
 * the jobs bucket (S3_PORT, default 4569, data kept in .local/s3) and the ECS stand-in (ECS_PORT,
 * default 4011) that runs each task's worker; and the console (CONSOLE_PORT, default 5173) with
 * its local sign-in (AUTH_PORT, default 8443, HTTPS). Ctrl-C stops it all, running jobs first
 * (SIGTERM: they checkpoint, as on Fargate Spot).
 */
import { writeFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { ensureLocalIssuer } from '../src/local/localIssuer.ts';
import { readMigrationFiles } from '../src/adapters/postgres/migrationFiles.ts';
import { migrate } from '../src/adapters/postgres/migrator.ts';
import { createPool } from '../src/adapters/postgres/pool.ts';
import { startLocalEvents } from './lib/localEvents.ts';
import { startLocalLegacy } from './lib/localLegacy.ts';
import { startGatewayResponses } from './lib/localGateway.ts';
import { startLocalJobs, type LocalJobs } from './lib/localJobs.ts';
import { startConsoleStack } from './lib/localConsole.ts';
import { DEFAULT_LOCAL_S3_PORT } from './lib/localS3.ts';
import { exitWithHelpIfAsked } from './lib/cli.ts';
import { startEmbeddedPostgres } from './lib/embeddedPostgres.ts';
import { defaultPort, formatLocalSettings, LOCAL_SETTINGS_FILE } from './lib/localSettings.cjs';
import { ensureTable, LOCAL_ISSUER_DIR, LOCAL_STAGE, localTableName, packageTemplate, PROJECT_ROOT, startDynamoDbLocal, startOffline, type Stoppable } from './lib/localStack.ts';

exitWithHelpIfAsked(`usage: npm start
Runs the local stack until Ctrl-C: DynamoDB Local (data in .local/dynamodb), the read model's PostgreSQL (DATABASE_URL,
else an embedded PGlite, data in .local/pglite), the API (serverless-offline), the event pipeline, a local S3 (data in
.local/s3), the ECS stand-in, the legacy bridge against RabbitMQ, and the console. npm run reset wipes the local data.
Environment: PORT (3000), OFFLINE_PORT (PORT+1), LAMBDA_PORT (PORT+2), DYNAMODB_PORT (8000), EVENTBRIDGE_PORT (4010),
PGLITE_PORT (5433), ECS_PORT (4011), S3_PORT (4569), CONSOLE_PORT (5173), AUTH_PORT (8443), DATABASE_URL.`);

const httpPort = Number(process.env.PORT ?? defaultPort('API_URL'));
/** serverless-offline itself, behind the gateway responses on PORT (scripts/lib/localGateway.ts). */
const offlinePort = Number(process.env.OFFLINE_PORT ?? httpPort + 1);
const lambdaPort = Number(process.env.LAMBDA_PORT ?? httpPort + 2);
const dynamoPort = Number(process.env.DYNAMODB_PORT ?? defaultPort('DYNAMODB_ENDPOINT'));
const busPort = Number(process.env.EVENTBRIDGE_PORT ?? defaultPort('EVENTBRIDGE_ENDPOINT'));
const pglitePort = Number(process.env.PGLITE_PORT ?? defaultPort('DATABASE_URL'));
const ecsPort = Number(process.env.ECS_PORT ?? defaultPort('ECS_ENDPOINT'));
const s3Port = Number(process.env.S3_PORT ?? DEFAULT_LOCAL_S3_PORT);
const consolePort = Number(process.env.CONSOLE_PORT ?? defaultPort('CONSOLE_ORIGIN'));
const authPort = Number(process.env.AUTH_PORT ?? 8443);
const consoleOrigin = `http://127.0.0.1:${consolePort}`;
const busEndpoint = `http://127.0.0.1:${busPort}`;

/** The table and the read model: stopped last, after the running jobs' final checkpoints. */
const stores: Stoppable[] = [];
const running: Stoppable[] = [];
let stopped: Promise<void> | undefined;
function stopAll(code: number): void {
  if (stopped) return; // a second signal (Ctrl-C reaches the npm process group too) changes nothing
  console.log('Stopping the local stack (running jobs checkpoint first) …');
  stopped = (async () => {
    await Promise.all(running.map((p) => p.stop()));
    await Promise.all(stores.map((p) => p.stop()));
  })();
  void stopped.then(
    () => console.log('Local stack stopped.'),
    (error: unknown) => console.error(`Local stack stopped, not cleanly: ${error instanceof Error ? error.message : String(error)}`),
  ).finally(() => process.exit(code));
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));
process.on('SIGHUP', () => stopAll(0));

try {
  await ensureLocalIssuer(LOCAL_ISSUER_DIR);
  // Its own process group: Ctrl-C reaches it only through stopAll, after the jobs' checkpoints.
  const dynamo = await startDynamoDbLocal({ port: dynamoPort, dataDir: resolve(PROJECT_ROOT, '.local', 'dynamodb'), detached: true });
  stores.push(dynamo);
  await ensureTable(dynamo.endpoint, localTableName());
  console.log(`DynamoDB Local ready at ${dynamo.endpoint} (table ${localTableName()})`);
  const template = packageTemplate(LOCAL_STAGE, resolve(PROJECT_ROOT, '.serverless-local'));
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    const embedded = await startEmbeddedPostgres({ port: pglitePort, dataDir: resolve(PROJECT_ROOT, '.local', 'pglite') });
    stores.push(embedded);
    databaseUrl = embedded.url;
  }
  const pool = createPool({ kind: 'url', url: databaseUrl, poolMax: 1 });
  try {
    const report = await migrate(pool, await readMigrationFiles());
    console.log(`PostgreSQL read model ready at ${databaseUrl.replace(/\/\/[^@]*@/, '//')} (${report.applied.length} migration(s) applied now, ${report.alreadyApplied.length} before)`);
  } finally {
    await pool.end();
  }
  const ecsEndpoint = `http://127.0.0.1:${ecsPort}`;
  const s3Endpoint = `http://127.0.0.1:${s3Port}`;
  // What this stack serves, for every other local command (sls invoke local, npm run s3, migrate, worker).
  await writeFile(
    LOCAL_SETTINGS_FILE,
    formatLocalSettings({ API_URL: `http://127.0.0.1:${httpPort}`, DYNAMODB_ENDPOINT: dynamo.endpoint, EVENTBRIDGE_ENDPOINT: busEndpoint, ECS_ENDPOINT: ecsEndpoint, S3_ENDPOINT: s3Endpoint, DATABASE_URL: databaseUrl, CONSOLE_ORIGIN: consoleOrigin }),
  );
  console.log(`Settings for the other local commands written to ${relative(PROJECT_ROOT, LOCAL_SETTINGS_FILE)}`);
  const offline = await startOffline({ httpPort: offlinePort, lambdaPort, dynamoEndpoint: dynamo.endpoint, eventBridgeEndpoint: busEndpoint, ecsEndpoint, s3Endpoint, consoleOrigin, databaseUrl });
  running.push(offline);
  offline.process.once('exit', (code) => stopAll(code ?? 1));
  // What the deployed gateway answers itself (a rejected token, an unknown route) as its problem+json gateway responses.
  const gateway = await startGatewayResponses({ upstream: offline.url, port: httpPort, template: await template });
  running.push(gateway);
  const api = { ...offline, url: gateway.url };
  // DynamoDB Local's stream → publisher → local EventBridge → queues → consumers, as the packaged template routes them.
  const events = await startLocalEvents({ template: await template, dynamoEndpoint: dynamo.endpoint, tableName: localTableName(), lambdaEndpoint: api.lambdaEndpoint, busPort, log: (m) => console.log(`[events] ${m}`) });
  running.push(events);
  console.log(`Event pipeline ready (EventBridge stand-in at ${events.busEndpoint}; dead letters at ${events.busEndpoint}/dead-letters)`);
  // The legacy bridge's inbound mapping against the machine's RabbitMQ, if there is one (docs/legacy-bridge.md).
  const legacy = await startLocalLegacy({ template: await template, lambdaEndpoint: api.lambdaEndpoint, log: (m) => console.log(`[legacy] ${m}`) });
  if (legacy) running.push(legacy);
  // The jobs bucket the local stage's job functions name, and ECS running their tasks' worker against this stack.
  const jobs = await startLocalJobs({
    template: await template,
    s3Port,
    s3Directory: resolve(PROJECT_ROOT, '.local', 's3'),
    corsOrigins: [consoleOrigin],
    ecsPort,
    dynamoEndpoint: dynamo.endpoint,
    tableName: localTableName(),
    databaseUrl,
    log: (m) => console.log(`[ecs] ${m}`),
    output: (task, line) => line.trim() && console.log(`[job ${task.jobId ?? task.taskArn.split('/').pop()}] ${line}`),
  });
  running.push(jobs); // its stop ends the running tasks (SIGTERM) and waits for their checkpoints
  console.log(`Jobs ready (local S3 at ${jobs.s3.endpoint}, bucket ${jobs.jobsBucket}; ECS stand-in at ${jobs.ecs.endpoint} runs each task's worker)`);
  // The console (built now, served as CloudFront serves it) and its local sign-in.
  const consoleStack = await startConsoleStack({
    consolePort,
    authPort,
    apiUrl: api.url,
    s3Endpoint: jobs.s3.endpoint,
    distDir: resolve(PROJECT_ROOT, '.local', 'console'),
    issuerDir: LOCAL_ISSUER_DIR,
    tlsDir: resolve(LOCAL_ISSUER_DIR, 'tls'),
    log: (m) => console.log(`[sign-in] ${m}`),
  });
  running.push(consoleStack);
  console.log(banner(api.url, jobs));
  console.log(`
Sign-in (the hosted UI's local stand-in, HTTPS with a certificate made for this machine) at ${consoleStack.auth.url}:
  your browser asks once to trust it (docs/console.md). Chromium: --ignore-certificate-errors-spki-list=${consoleStack.auth.spkiSha256}
Console: ${consoleStack.url}/`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  stopAll(1);
}

function banner(url: string, { jobsBucket }: LocalJobs): string {
  // A tenant of its own each time it is tried: the names of an earlier try are taken in its tenant.
  const input = `s3://${jobsBucket}/imports/$T/data.ndjson`;
  return `
Entity API (stage local) ready at ${url}
  try:   curl ${url}/api/v1/health
  token: npm run --silent token -- --tenant t1

A job (docs/worker.md): put a file in the local S3, start an import as an admin, follow it:
  T=demo-$(date +%s)
  printf '%s\\n' '{"name":"Tank"}' '{"name":"Pump"}' | npm run --silent s3 -- put - ${input}
  ADMIN=$(npm run --silent token -- --tenant $T --groups admin)
  curl -s -X POST ${url}/api/v1/secure/jobs -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' -d "{\\"kind\\":\\"import\\",\\"source\\":\\"${input}\\"}"
  curl -s ${url}/api/v1/secure/jobs/<jobId> -H "Authorization: Bearer $ADMIN"     # QUEUED → RUNNING → SUCCEEDED

Ctrl-C stops everything (running jobs first: SIGTERM, they checkpoint).`;
}
