import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { PROJECT_ROOT, stoppable, type Stoppable } from './localStack.ts';

const RUN_TASK = 'AmazonEC2ContainerServiceV20141113.RunTask';
/** The worker the task definition's image runs (its ENTRYPOINT is this program's bundle). */
const WORKER_ENTRY = resolve(PROJECT_ROOT, 'src', 'worker', 'main.ts');

/** A RunTask request as the ECS API received it (the JSON body the SDK sent). */
export interface RunTaskRequest {
  readonly cluster?: string;
  readonly clientToken?: string;
  readonly overrides?: { readonly containerOverrides?: readonly { readonly command?: readonly string[]; readonly environment?: readonly { name: string; value: string }[] }[] };
  readonly [member: string]: unknown;
}

/** How the stand-in runs tasks: the worker as a child process, as the task definition would run it. */
export interface LocalWorker {
  /** The task definition's environment: the local stack's table, endpoints and database. The container overrides' (JOB_ID) come on top. */
  readonly environment: Readonly<Record<string, string>>;
  /** Every line a task prints (stdout and stderr), as it prints it. */
  readonly output?: (task: LocalTask, line: string) => void;
  /** SIGKILL this long after SIGTERM when the stand-in stops (ECS's stopTimeout; default 30 s). */
  readonly stopTimeoutMs?: number;
}

export interface LocalTask {
  readonly taskArn: string;
  /** The overrides' JOB_ID. */
  readonly jobId: string | undefined;
  readonly command: readonly string[];
  /** The worker's exit code (0 completed, 1 failed, 2 usage, 75 interrupted; null: killed by a signal), when it has stopped. */
  readonly stopped: Promise<number | null>;
  /** The last lines it printed (at most 200). */
  readonly output: string[];
}

export interface LocalEcs extends Stoppable {
  readonly endpoint: string;
  /** Every RunTask request received, oldest first (also at GET <endpoint>/tasks). */
  readonly requests: RunTaskRequest[];
  /** The tasks started (with `worker`), oldest first. */
  readonly tasks: LocalTask[];
}

/**
 * An ECS stand-in for the local stack (ECS_ENDPOINT of the job functions): it answers RunTask
 * (awsJson1_1) with a task ARN and records the request, so tests assert the exact request the
 * functions send. With `worker` it also runs the task, as ECS would: the worker program with the
 * container's command and environment from the request's overrides, as a child process of its
 * own process group (a terminal's Ctrl-C does not reach it; `stop` sends SIGTERM, as Fargate
 * Spot does, so it checkpoints, and SIGKILL after the stop timeout). A RunTask repeated with the
 * same `clientToken` answers the same task and starts none.
 */
export async function startLocalEcs(options: { port: number; worker?: LocalWorker; log?: (message: string) => void }): Promise<LocalEcs> {
  const requests: RunTaskRequest[] = [];
  const tasks: LocalTask[] = [];
  const byClientToken = new Map<string, string>();
  const running = new Set<ChildProcess>();
  const killAll = () => running.forEach((child) => child.kill('SIGTERM'));
  process.once('exit', killAll); // this process is going without stopping us: no task is left behind

  const run = (worker: LocalWorker, request: RunTaskRequest, taskArn: string): LocalTask => {
    const override = request.overrides?.containerOverrides?.[0];
    const command = override?.command ?? [];
    const overrides = Object.fromEntries((override?.environment ?? []).map((v) => [v.name, v.value]));
    const child = spawn(process.execPath, [WORKER_ENTRY, ...command], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH ?? '', ...worker.environment, ...overrides },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    running.add(child);
    const output: string[] = [];
    const task: LocalTask = {
      taskArn,
      jobId: overrides['JOB_ID'],
      command,
      output,
      stopped: new Promise((done) => child.once('close', (code) => {
        running.delete(child);
        options.log?.(`task ${taskArn.split('/').pop()} stopped: ${code === null ? `killed (${child.signalCode})` : `exit ${code}`}`);
        done(code);
      })),
    };
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        output.push(line);
        if (output.length > 200) output.shift();
        worker.output?.(task, line);
      });
    }
    child.once('error', (error) => output.push(`could not start the worker: ${error.message}`));
    tasks.push(task);
    return task;
  };

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
      const started = request.clientToken === undefined ? undefined : byClientToken.get(request.clientToken);
      const cluster = (request.cluster ?? 'default').split('/').pop();
      const taskArn = started ?? `arn:aws:ecs:eu-west-1:000000000000:task/${cluster}/${randomUUID().replaceAll('-', '')}`;
      if (started === undefined) {
        if (request.clientToken !== undefined) byClientToken.set(request.clientToken, taskArn);
        options.log?.(`RunTask ${JSON.stringify(request.overrides?.containerOverrides?.[0]?.command ?? [])} → ${taskArn}${options.worker ? '' : ' (recorded, not run)'}`);
        if (options.worker) run(options.worker, request, taskArn);
      }
      return answer(200, { tasks: [{ taskArn, lastStatus: 'PROVISIONING', desiredStatus: 'RUNNING' }], failures: [] });
    });
  });
  await new Promise<void>((done) => server.listen(options.port, '127.0.0.1', done));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;

  // Resolved on `close`: a task's last lines are read before the stand-in stops.
  const stopTask = (child: ChildProcess) => stoppable(child, { killAfterMs: options.worker?.stopTimeoutMs ?? 30_000, until: 'close' }).stop();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    tasks,
    stop: async () => {
      const closed = new Promise<void>((done) => server.close(() => done()));
      if (running.size > 0) options.log?.(`stopping ${running.size} task(s): SIGTERM, they checkpoint`);
      await Promise.all([...running].map(stopTask));
      process.removeListener('exit', killAll);
      await closed;
    },
  };
}
