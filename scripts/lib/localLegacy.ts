import { Connection } from 'rabbitmq-client';
import { applyBrokerDefinitions, brokerDefinitions } from '../../src/adapters/rabbitmq/brokerDefinitions.ts';
import { parseLegacyConfig } from '../../src/config/legacyConfig.ts';
import type { Template } from './localStack.ts';
import { startLocalMq } from './localMq.ts';

const getAtt = (value: unknown): string | undefined => (value as { 'Fn::GetAtt'?: [string, string] })?.['Fn::GetAtt']?.[0];

/**
 * The legacy bridge in the local stack (docs/legacy-bridge.md): against the machine's RabbitMQ
 * (LEGACY_BROKER_URL, default amqp://guest:guest@127.0.0.1:5672), declares the broker definitions
 * the local stage's functions are configured with (their environment in the packaged template),
 * and runs the stand-in of each Amazon MQ event source mapping of the template, invoking its
 * function through serverless-offline. The outbound publisher needs nothing here: its queue is
 * an SQS one, which the event pipeline (./localEvents.ts) already drives. Without a reachable
 * broker the bridge stays off and the rest of the stack runs.
 */
export async function startLocalLegacy(options: { template: Template; lambdaEndpoint: string; log: (message: string) => void }): Promise<{ stop(): Promise<void> } | undefined> {
  const resources = options.template.Resources;
  const mappings = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping' && resources[getAtt(r.Properties['EventSourceArn']) ?? '']?.Type === 'AWS::AmazonMQ::Broker');
  const consumer = Object.values(resources).find((r) => r.Type === 'AWS::Lambda::Function' && String(r.Properties['FunctionName']).endsWith('-consumeLegacyMessages'));
  if (!consumer || mappings.length === 0) return undefined;
  const environment = (consumer.Properties['Environment'] as { Variables?: Record<string, string> } | undefined)?.Variables ?? {};
  const config = parseLegacyConfig(environment);
  const connection = new Connection({ url: config.LEGACY_BROKER_URL, connectionName: 'npm start (legacy bridge)', retryLow: 250, retryHigh: 5_000 });
  connection.on('error', (error: unknown) => options.log(`broker: ${String(error)}`));
  try {
    await connection.onConnect(3_000, true);
  } catch {
    options.log(`no RabbitMQ at ${config.LEGACY_BROKER_URL?.replace(/\/\/[^@]*@/, '//')}: the legacy bridge is off (start RabbitMQ and npm start again)`);
    await connection.close();
    return undefined;
  }
  await applyBrokerDefinitions(connection, brokerDefinitions(config.LEGACY_PREFIX, config.LEGACY_SOURCES));
  const functionName = String(consumer.Properties['FunctionName']);
  const invoke = async (event: unknown) => {
    const response = await fetch(`${options.lambdaEndpoint}/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`, { method: 'POST', body: JSON.stringify(event) });
    const text = await response.text();
    if (response.status >= 300 || response.headers.get('x-amz-function-error') || text.includes('"errorMessage"')) throw new Error(`${functionName} failed: ${text.slice(0, 300)}`);
  };
  const consumers = mappings.flatMap((m) =>
    (m.Properties['Queues'] as string[]).map((queue) =>
      startLocalMq({ connection, queue, batchSize: Number(m.Properties['BatchSize'] ?? 100), batchWindowMs: 1000 * Number(m.Properties['MaximumBatchingWindowInSeconds'] ?? 0.5), invoke, log: options.log }),
    ),
  );
  options.log(`legacy bridge on ${config.LEGACY_BROKER_URL?.replace(/\/\/[^@]*@/, '//')}: sources ${config.LEGACY_SOURCES.map((s) => `${s.tenantId}:${s.source}`).join(', ')}, events on ${config.LEGACY_PREFIX}.events`);
  return {
    async stop() {
      for (const c of consumers) await c.stop();
      await connection.close();
    },
  };
}
