/**
 * The bench's reference (never deployed): a getEntity-shaped handler on the same packages as the
 * platform, wired the way their documentation shows, bundled with esbuild's defaults (minify, cjs;
 * bench/lib/reference.ts). Cold-start budgets are ratios against this module's cold init, measured
 * in the same run.
 *
 * The default way: the DynamoDB document client over a client with the SDK's default credential
 * chain, Powertools Logger, Tracer and Metrics with their middy middlewares, an ioredis client,
 * aws-jwt-verify's Cognito verifier and a zod (classic) schema, all made at module scope. The one
 * departure: ioredis connects on first command (`lazyConnect`), as ours does, so that a cold init
 * measures loading and construction, not a connection attempt.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { Redis } from 'ioredis';
import { z } from 'zod';

const logger = new Logger();
const tracer = new Tracer();
const metrics = new Metrics();
const table = process.env.ENTITIES_TABLE ?? 'Entities';
const documentClient = DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})));
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
const verifier = CognitoJwtVerifier.create({ userPoolId: process.env.COGNITO_USER_POOL_ID ?? 'eu-west-1_Reference1', clientId: process.env.COGNITO_APP_CLIENT_ID ?? 'reference', tokenUse: 'access' });

const pathSchema = z.object({ id: z.string().uuid() });
const entitySchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  name: z.string().min(1).max(255),
  attributes: z.record(z.string(), z.unknown()),
  visibility: z.enum(['public', 'private']),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const json = (statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult => ({ statusCode, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });

async function getEntity(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const path = pathSchema.safeParse(event.pathParameters ?? {});
  if (!path.success) return json(400, { title: 'Bad Request', detail: path.error.message });
  const authorization = event.headers.Authorization ?? event.headers.authorization;
  const claims = authorization ? await verifier.verify(authorization.replace(/^Bearer /, '')) : undefined;
  const tenantId = typeof claims?.['tenant_id'] === 'string' ? claims['tenant_id'] : undefined;
  const key = `entity:${tenantId ?? 'public'}:${path.data.id}`;
  const cached = await redis.get(key);
  if (cached !== null) {
    metrics.addMetric('CacheHits', MetricUnit.Count, 1);
    return json(200, JSON.parse(cached), { 'X-Cache': 'HIT' });
  }
  metrics.addMetric('CacheMisses', MetricUnit.Count, 1);
  const { Item } = await documentClient.send(new GetCommand({ TableName: table, Key: { pk: `ENTITY#${path.data.id}`, sk: 'METADATA' } }));
  if (!Item) return json(404, { title: 'Not Found' });
  const entity = entitySchema.parse(Item);
  if (entity.visibility !== 'public' && entity.tenantId !== tenantId) return json(404, { title: 'Not Found' });
  await redis.set(key, JSON.stringify(entity), 'EX', 300);
  logger.info('Entity read', { id: entity.id });
  return json(200, entity, { 'X-Cache': 'MISS' });
}

export const handler = middy(getEntity).use(captureLambdaHandler(tracer)).use(injectLambdaContext(logger)).use(logMetrics(metrics, { captureColdStartMetric: true }));
