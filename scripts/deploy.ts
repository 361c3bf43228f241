// The one deploy command (docs/deploy.md, "First deploy"): `npm run deploy -- --stage <stage> [--region <region>] [sls deploy options]`.
// 1. The account-level prerequisite: API Gateway's CloudWatch role (resources/account/api-gateway-logging.yml),
//    deployed as the stack `entity-platform-account` unless the account already has a role set in that
//    region (someone else's: kept, never replaced). Idempotent: a rerun changes nothing.
// 2. The stage's platform stack (platform.yml: network, data, keys, identity), `sls deploy --config
//    platform.yml` with the stage and region: a no-op when nothing changed (docs/deploy.md, "Stacks").
// 3. The stage's application stack, `sls deploy` with the rest of the arguments (`--package <dir>` in CI),
//    which imports what the platform exports.
// Uses the AWS CLI and the credentials of the caller (the pipeline's OIDC role, or yours).
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitWithHelpIfAsked } from './lib/cli.ts';

const USAGE = `usage: npm run deploy -- --stage <stage> [--region <region>] [more sls deploy options]
Deploys the account prerequisite (API Gateway's CloudWatch role) when missing, then the stage's platform stack
(platform.yml), then its application stack (serverless.yml), with the AWS CLI and your credentials.`;

export const ACCOUNT_STACK = 'entity-platform-account';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}

function aws(args: string[]): string {
  return execFileSync('aws', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

export function deploy(args: string[], log: (message: string) => void = console.log): number {
  const stage = option(args, '--stage');
  if (!stage) throw new Error(USAGE);
  const region = option(args, '--region') ?? process.env['AWS_REGION'] ?? 'eu-west-1';
  const current = aws(['apigateway', 'get-account', '--region', region, '--query', 'cloudwatchRoleArn', '--output', 'text']);
  const ours = aws(['cloudformation', 'describe-stacks', '--region', region, '--query', `Stacks[?StackName=='${ACCOUNT_STACK}'].StackName`, '--output', 'text']) === ACCOUNT_STACK;
  if (current === '' || current === 'None' || ours) {
    log(`API Gateway CloudWatch role (${region}): deploying the stack ${ACCOUNT_STACK}`);
    aws(['cloudformation', 'deploy', '--region', region, '--stack-name', ACCOUNT_STACK, '--template-file', join(ROOT, 'resources', 'account', 'api-gateway-logging.yml'), '--capabilities', 'CAPABILITY_IAM', '--no-fail-on-empty-changeset']);
  } else {
    log(`API Gateway CloudWatch role (${region}): the account's own, kept: ${current}`);
  }
  const platform = ['deploy', '--config', 'platform.yml', '--stage', stage, '--region', region];
  log(`sls ${platform.join(' ')}`);
  const platformStatus = spawnSync('sls', platform, { cwd: ROOT, stdio: 'inherit' }).status ?? 1;
  if (platformStatus !== 0) return platformStatus;
  const withRegion = option(args, '--region') ? args : [...args, '--region', region];
  log(`sls deploy ${withRegion.join(' ')}`);
  return spawnSync('sls', ['deploy', ...withRegion], { cwd: ROOT, stdio: 'inherit' }).status ?? 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  exitWithHelpIfAsked(USAGE);
  process.exit(deploy(process.argv.slice(2)));
}
