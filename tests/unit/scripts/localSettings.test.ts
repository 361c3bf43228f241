import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatLocalSettings, LOCAL_DEFAULTS, readLocalSettings } from '../../../scripts/lib/localSettings.cjs';
import { parseWorkerConfig } from '../../../src/config/workerConfig.ts';

describe('the local settings file (.local/stack.env, written by npm start)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'local-settings-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('gives the defaults without a file, the file over the defaults, the environment over the file', async () => {
    const file = join(dir, 'stack.env');
    expect(readLocalSettings(file, {})).toEqual(LOCAL_DEFAULTS);
    await writeFile(file, formatLocalSettings({ ...LOCAL_DEFAULTS, DYNAMODB_ENDPOINT: 'http://127.0.0.1:18000', DATABASE_URL: 'postgres://postgres@127.0.0.1:15433/postgres' }));
    const fromFile = readLocalSettings(file, {});
    expect(fromFile.DYNAMODB_ENDPOINT).toBe('http://127.0.0.1:18000');
    expect(fromFile.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:15433/postgres');
    expect(fromFile.S3_ENDPOINT).toBe(LOCAL_DEFAULTS.S3_ENDPOINT);
    expect(readLocalSettings(file, { DYNAMODB_ENDPOINT: 'http://127.0.0.1:28000' }).DYNAMODB_ENDPOINT).toBe('http://127.0.0.1:28000');
  });

  it('writes lines that Node’s --env-file reads back as written, and refuses a value it could not', () => {
    const settings = { ...LOCAL_DEFAULTS, API_URL: 'http://127.0.0.1:3100' };
    expect(parseEnv(formatLocalSettings(settings))).toEqual(settings);
    expect(() => formatLocalSettings({ DATABASE_URL: 'postgres://u:pa ss@h/db' })).toThrow(/DATABASE_URL cannot be written/);
  });

  it('cannot send the worker of a deployed stage to this machine’s endpoints (as read from the file by npm run worker)', () => {
    expect(parseWorkerConfig({ DYNAMODB_ENDPOINT: 'http://127.0.0.1:18000' }).endpoint).toBe('http://127.0.0.1:18000');
    expect(() => parseWorkerConfig({ STAGE: 'prod', ENTITIES_TABLE: 't', DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000' })).toThrow(/DYNAMODB_ENDPOINT \(http:\/\/127\.0\.0\.1:8000\) is this machine, in stage prod/);
    expect(() => parseWorkerConfig({ STAGE: 'prod', ENTITIES_TABLE: 't', S3_ENDPOINT: 'http://localhost:4569' })).toThrow(/S3_ENDPOINT/);
    expect(parseWorkerConfig({ STAGE: 'prod', ENTITIES_TABLE: 't' }).endpoint).toBeUndefined();
  });
});
