/**
 * `npm run reset`: wipes what `npm start` keeps between runs (the table's data, the read model's
 * embedded database, the local S3's objects), so the next `npm start` begins empty. The local
 * issuer's keys stay (tokens already minted keep working), and so does the machine's RabbitMQ.
 * Refuses while the stack runs (DynamoDB Local answers on DYNAMODB_PORT, default 8000).
 */
import { rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitWithHelpIfAsked } from './lib/cli.ts';
import { PROJECT_ROOT } from './lib/localStack.ts';

const USAGE = `usage: npm run reset
Deletes the local stack's data: .local/dynamodb (the table), .local/pglite (the embedded read model) and .local/s3
(the jobs bucket). Keeps the local issuer's keys (.local/issuer). Stop npm start first (DYNAMODB_PORT, default 8000).`;

/** What `npm run reset` deletes, under the local folder. */
export const LOCAL_DATA = ['dynamodb', 'pglite', 's3'] as const;

/** Whether something accepts connections on 127.0.0.1:`port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

/** Deletes the local data under `localDir`; returns the folders it removed. Throws while the stack answers on `dynamoPort`. */
export async function resetLocalData(localDir: string, dynamoPort: number): Promise<string[]> {
  if (await listening(dynamoPort)) throw new Error(`Something answers on port ${dynamoPort} (DynamoDB Local of a running npm start?): stop it first (Ctrl-C), then run npm run reset again.`);
  const removed: string[] = [];
  for (const name of LOCAL_DATA) {
    const dir = join(localDir, name);
    if (!(await stat(dir).catch(() => undefined))) continue;
    await rm(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  exitWithHelpIfAsked(USAGE);
  try {
    const removed = await resetLocalData(resolve(PROJECT_ROOT, '.local'), Number(process.env['DYNAMODB_PORT'] ?? 8000));
    console.log(removed.length > 0 ? `Deleted ${removed.map((d) => d.slice(PROJECT_ROOT.length + 1)).join(', ')}. The next npm start begins empty.` : 'Nothing to delete: no local data.');
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}
