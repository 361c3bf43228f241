import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNT_STACK, deploy } from '../../../scripts/deploy.ts';

/**
 * `npm run deploy` (scripts/deploy.ts) with the AWS CLI and sls replaced by recorders on PATH:
 * what it would run against an account (no AWS here), in order, for each state of the account.
 */
describe('the one deploy command', () => {
  let dir: string;
  let path: string | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deploy-'));
    path = process.env.PATH;
    process.env.PATH = `${dir}:${path}`;
    // aws: records its arguments; answers get-account with $FAKE_ROLE and describe-stacks with $FAKE_STACK.
    await writeFile(join(dir, 'aws'), `#!/bin/sh\necho "aws $*" >> "${dir}/calls"\ncase "$1 $2" in\n  "apigateway get-account") echo "$FAKE_ROLE" ;;\n  "cloudformation describe-stacks") echo "$FAKE_STACK" ;;\nesac\n`);
    await writeFile(join(dir, 'sls'), `#!/bin/sh\necho "sls $*" >> "${dir}/calls"\n`);
    await chmod(join(dir, 'aws'), 0o755);
    await chmod(join(dir, 'sls'), 0o755);
  });
  afterEach(async () => {
    process.env.PATH = path;
    delete process.env.FAKE_ROLE;
    delete process.env.FAKE_STACK;
    await rm(dir, { recursive: true, force: true });
  });
  const calls = async () => (await readFile(join(dir, 'calls'), 'utf8')).trim().split('\n');

  it('in an empty account: deploys the API Gateway logging role stack first, then the stage\'s platform, then its application, in the same region', async () => {
    process.env.FAKE_ROLE = 'None';
    process.env.FAKE_STACK = '';
    expect(deploy(['--stage', 'dev', '--region', 'eu-central-1'], () => undefined)).toBe(0);
    const [getAccount, describe_, deployAccount, platform, sls] = await calls();
    expect(getAccount).toBe('aws apigateway get-account --region eu-central-1 --query cloudwatchRoleArn --output text');
    expect(describe_).toMatch(/^aws cloudformation describe-stacks --region eu-central-1 /);
    expect(deployAccount).toMatch(new RegExp(`^aws cloudformation deploy --region eu-central-1 --stack-name ${ACCOUNT_STACK} --template-file .*resources/account/api-gateway-logging.yml --capabilities CAPABILITY_IAM --no-fail-on-empty-changeset$`));
    expect(platform).toBe('sls deploy --config platform.yml --stage dev --region eu-central-1');
    expect(sls).toBe('sls deploy --stage dev --region eu-central-1');
  });

  it('stops before the application when the platform deploy fails', async () => {
    process.env.FAKE_ROLE = 'arn:aws:iam::111122223333:role/their-apigw-logs';
    process.env.FAKE_STACK = '';
    await writeFile(join(dir, 'sls'), `#!/bin/sh\necho "sls $*" >> "${dir}/calls"\ncase "$*" in *platform.yml*) exit 3 ;; esac\n`);
    expect(deploy(['--stage', 'dev', '--region', 'eu-west-1'], () => undefined)).toBe(3);
    expect((await calls()).filter((c) => c.startsWith('sls'))).toEqual(['sls deploy --config platform.yml --stage dev --region eu-west-1']);
  });

  it('keeps an account\'s own logging role, and passes the package directory on (CI)', async () => {
    process.env.FAKE_ROLE = 'arn:aws:iam::111122223333:role/their-apigw-logs';
    process.env.FAKE_STACK = '';
    expect(deploy(['--stage', 'prod', '--region', 'eu-west-1', '--package', 'artifact'], () => undefined)).toBe(0);
    const all = await calls();
    expect(all.some((c) => c.startsWith('aws cloudformation deploy'))).toBe(false);
    expect(all.slice(-2)).toEqual(['sls deploy --config platform.yml --stage prod --region eu-west-1', 'sls deploy --stage prod --region eu-west-1 --package artifact']);
  });

  it('updates its own account stack on later deploys (idempotent), and refuses to run without a stage', async () => {
    process.env.FAKE_ROLE = 'arn:aws:iam::111122223333:role/entity-platform-account-ApiGatewayCloudWatchRole-X';
    process.env.FAKE_STACK = ACCOUNT_STACK;
    deploy(['--stage', 'staging', '--region', 'eu-west-1'], () => undefined);
    expect((await calls()).filter((c) => c.startsWith('aws cloudformation deploy'))).toHaveLength(1);
    expect(() => deploy([], () => undefined)).toThrow(/--stage <stage>/);
  });
});
