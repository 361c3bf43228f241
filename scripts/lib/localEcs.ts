import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { Stoppable } from './localStack.ts';

const RUN_TASK = 'AmazonEC2ContainerServiceV20141113.RunTask';

/** A RunTask request as the ECS API received it (the JSON body the SDK sent). */
export interface RunTaskRequest {
  readonly cluster?: string;
  readonly overrides?: { readonly containerOverrides?: readonly { readonly command?: readonly string[]; readonly environment?: readonly { name: string; value: string }[] }[] };
  readonly [member: string]: unknown;
}

export interface LocalEcs extends Stoppable {
  readonly endpoint: string;
  /** Every RunTask request received, oldest first (also at GET <endpoint>/tasks). */
  readonly requests: RunTaskRequest[];
}

/**
 * An ECS stand-in for the local stack (ECS_ENDPOINT of the job functions): it answers RunTask
 * (awsJson1_1) with a task ARN and records the request, so tests assert the exact request the
 * functions send. With `run`, it also runs the task: `npm start` passes the worker's command and
 * overrides to a local worker process.
 */
export async function startLocalEcs(options: { port: number; run?: (request: RunTaskRequest, taskArn: string) => void; log?: (message: string) => void }): Promise<LocalEcs> {
  const requests: RunTaskRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const answer = (status: number, value: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(value));
      };
      if (req.method === 'GET' && req.url === '/tasks') return answer(200, requests);
      if (req.method !== 'POST' || req.headers['x-amz-target'] !== RUN_TASK) {
        return answer(400, { __type: 'InvalidParameterException', message: `The local ECS stand-in answers RunTask only (got ${String(req.headers['x-amz-target'])})` });
      }
      const request = JSON.parse(body) as RunTaskRequest;
      requests.push(request);
      const cluster = (request.cluster ?? 'default').split('/').pop();
      const taskArn = `arn:aws:ecs:eu-west-1:000000000000:task/${cluster}/${randomUUID().replaceAll('-', '')}`;
      options.log?.(`RunTask ${JSON.stringify(request.overrides?.containerOverrides?.[0]?.command ?? [])} → ${taskArn}`);
      options.run?.(request, taskArn);
      return answer(200, { tasks: [{ taskArn, lastStatus: 'PROVISIONING', desiredStatus: 'RUNNING' }], failures: [] });
    });
  });
  await new Promise<void>((done) => server.listen(options.port, '127.0.0.1', done));
  return {
    endpoint: `http://127.0.0.1:${options.port}`,
    requests,
    stop: () => new Promise<void>((done) => server.close(() => done())),
  };
}
