import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { Redis } from 'ioredis';
import { ensureLocalIssuer } from '../../src/local/localIssuer.ts';
import { startLocalEvents } from '../../scripts/lib/localEvents.ts';
import { startConsoleStack } from '../../scripts/lib/localConsole.ts';
import { startLocalJobs, type LocalJobs } from '../../scripts/lib/localJobs.ts';
import { startGatewayResponses } from '../../scripts/lib/localGateway.ts';
import { ensureTable, freePort, localTableName, startDynamoDbLocal, startOffline, type Stoppable, type Template } from '../../scripts/lib/localStack.ts';
import { deleteKeysMatching } from '../../scripts/lib/redisKeys.ts';
import { AWS_STAGES, packageStages } from './packageStage.ts';
import { testBroker } from './legacyBroker.ts';
import { createTestDatabase, type TestDatabase } from './postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    apiUrl: string;
    issuerDir: string;
    eventBusEndpoint: string;
    /** What the event pipeline logged (failed invocations, dead-lettered messages, stream retries), one line each. */
    pipelineLog: string;
    /** serverless-offline's Lambda API (Invoke), as `sls invoke -f <fn>` reaches a function. */
    lambdaEndpoint: string;
    /** This run's own PostgreSQL database (migrated), which serverless-offline's read-model functions use too. */
    databaseUrl: string;
    redisUrl: string;
    cacheKeyPrefix: string;
    /** The ECS stand-in the job functions run tasks on (records every RunTask, GET <endpoint>/tasks, and runs its worker as `npm start` does). */
    ecsEndpoint: string;
    /** The stack's local S3, holding the local stage's jobs bucket (the tasks' S3_ENDPOINT). */
    s3Endpoint: string;
    /** The console (built for the run) and its local sign-in, as `npm start` serves them; tokens live 20 s, so a browser test sees Amplify refresh them. */
    consoleUrl: string;
    authUrl: string;
    /** The sign-in's certificate (Chromium's --ignore-certificate-errors-spki-list). */
    authSpki: string;
  }
}

/**
 * The real local stack, once per run: DynamoDB Local (in memory), the local issuer's keys (a
 * fresh pair in a temp dir), serverless-offline serving the API against them, the event pipeline,
 * the jobs' local S3 and ECS stand-in and the console with its local sign-in (as `npm start` runs
 * them), and the dev, staging, prod and local stages packaged (both stacks of each: packageStage.ts)
 * for the templates and permissions projects (the AWS stages while the tests run).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const running: Stoppable[] = [];
  let jobs: LocalJobs | undefined;
  const workDir = await mkdtemp(join(tmpdir(), 'entity-platform-test-'));
  const issuerDir = join(workDir, 'issuer');
  await ensureLocalIssuer(issuerDir);

  let database: TestDatabase | undefined;
  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const cacheKeyPrefix = `e2e-${randomUUID().slice(0, 8)}:`;
  let packaging: Promise<unknown> = Promise.resolve();
  const stopAll = async () => {
    await packaging; // no sls left writing into the folder removed below
    await jobs?.stop(); // a task still running checkpoints while the table is up
    await Promise.all(running.reverse().map((p) => p.stop()));
    await database?.drop();
    await dropKeys(redisUrl, `${cacheKeyPrefix}*`);
    // KEEP_TEST_WORKDIR=1 keeps the packaged stages and the recorded AWS calls (to rerun the permissions project alone).
    if (process.env['KEEP_TEST_WORKDIR'] !== '1') await rm(workDir, { recursive: true, force: true });
    else console.log(`kept ${workDir}: ENTITY_PLATFORM_TEST_RUN='${process.env['ENTITY_PLATFORM_TEST_RUN']}'`);
  };
  // Every AWS call the functions and the worker make during the run; the permissions project (which
  // runs after this one) finds it, and the packaged stages, through the environment it inherits.
  const awsCallLog = join(workDir, 'aws-calls.ndjson');
  process.env['ENTITY_PLATFORM_TEST_RUN'] = JSON.stringify({ packagedDir: workDir, awsCallLog });
  let localTemplate: Promise<Template> | undefined;
  try {
    // `local` is packaged before any test starts (the stack routes its events by it); the AWS
    // stages go on packaging while the tests run: only the templates and permissions projects read
    // them, after this one (packagedStages() in testRun.ts waits for the outcome). `npm run fuzz`
    // needs only the local stack: SKIP_AWS_STAGE_PACKAGING leaves the AWS stages out.
    const stages = packageStages(workDir, process.env['SKIP_AWS_STAGE_PACKAGING'] === '1' ? [] : AWS_STAGES);
    localTemplate = stages.local;
    packaging = stages.ended;
    const dynamo = await startDynamoDbLocal({ port: await freePort() });
    running.push(dynamo);
    await ensureTable(dynamo.endpoint, localTableName());
    database = await createTestDatabase();
    // The legacy bridge's exchanges and queues on the machine's RabbitMQ, under a prefix of this run's
    // own (the outbound consumer publishes every entity event there), deleted at the end.
    const broker = await testBroker([]);
    running.push({ stop: () => broker.dispose() });
    const busPort = await freePort();
    const ecsPort = await freePort();
    const s3Port = await freePort();
    const consolePort = await freePort();
    const consoleOrigin = `http://127.0.0.1:${consolePort}`;
    const api = await startOffline({
      ecsEndpoint: `http://127.0.0.1:${ecsPort}`,
      s3Endpoint: `http://127.0.0.1:${s3Port}`,
      consoleOrigin,
      httpPort: await freePort(),
      lambdaPort: await freePort(),
      dynamoEndpoint: dynamo.endpoint,
      eventBridgeEndpoint: `http://127.0.0.1:${busPort}`,
      databaseUrl: database.url,
      issuerDir,
      // TEST_STACK_LOGS=1 shows serverless-offline's output (and the handlers' logs) while the tests run.
      quiet: !process.env.TEST_STACK_LOGS,
      esbuildWorkFolder: '.esbuild-test-offline',
      // The machine's Redis (`.ci/run` starts it), under a key prefix of this run's own.
      redisUrl,
      cacheKeyPrefix,
      awsCallLog,
      legacyPrefix: broker.prefix,
    });
    running.push(api);
    // In front of it, the deployed gateway's own answers (problem+json gateway responses) for what serverless-offline answers itself.
    const gateway = await startGatewayResponses({ upstream: api.url, port: 0, template: await localTemplate });
    running.push(gateway);
    // Streams → publisher → bus → queues → consumers, routed as the packaged local template says.
    const pipelineLog = join(workDir, 'pipeline.log');
    const events = await startLocalEvents({
      template: await localTemplate, dynamoEndpoint: dynamo.endpoint, tableName: localTableName(), lambdaEndpoint: api.lambdaEndpoint, busPort,
      log: (message) => appendFileSync(pipelineLog, `${new Date().toISOString()} ${message}\n`),
    });
    project.provide('pipelineLog', pipelineLog);
    project.provide('lambdaEndpoint', api.lambdaEndpoint);
    running.push(events);
    // What the job functions start tasks on: the ECS stand-in running the worker against this stack, and its S3.
    jobs = await startLocalJobs({ template: await localTemplate, s3Port, s3Directory: join(workDir, 's3'), corsOrigins: [consoleOrigin], ecsPort, dynamoEndpoint: dynamo.endpoint, tableName: localTableName(), databaseUrl: database.url, awsCallLog });
    const consoleStack = await startConsoleStack({
      consolePort,
      authPort: await freePort(),
      apiUrl: api.url,
      s3Endpoint: jobs.s3.endpoint,
      distDir: join(workDir, 'console'),
      issuerDir,
      tlsDir: join(workDir, 'tls'),
      tokenLifetimeSeconds: 20,
    });
    running.push(consoleStack);

    project.provide('dynamoEndpoint', dynamo.endpoint);
    project.provide('apiUrl', gateway.url);
    project.provide('issuerDir', issuerDir);
    project.provide('eventBusEndpoint', events.busEndpoint);
    project.provide('databaseUrl', database.url);
    project.provide('redisUrl', redisUrl);
    project.provide('cacheKeyPrefix', cacheKeyPrefix);
    project.provide('ecsEndpoint', jobs.ecs.endpoint);
    project.provide('s3Endpoint', jobs.s3.endpoint);
    project.provide('consoleUrl', consoleStack.url);
    project.provide('authUrl', consoleStack.auth.url);
    project.provide('authSpki', consoleStack.auth.spkiSha256);
  } catch (error) {
    await localTemplate?.catch(() => undefined); // no sls left running behind a failed setup (stopAll awaits the rest)
    await stopAll();
    throw error;
  }

  return stopAll;
}

/** Deletes this run's cache keys from the shared Redis (never anything else, never the server). */
async function dropKeys(url: string, pattern: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null, connectTimeout: 2_000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await deleteKeysMatching(redis, pattern);
  } catch {
    // Redis gone: nothing to clean.
  } finally {
    redis.disconnect();
  }
}
