import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../scripts/lib/localStack.ts';

const workflow = async (name: string) => parse(await readFile(join(PROJECT_ROOT, '.github', 'workflows', name), 'utf8'));

describe('the pipeline (.github/workflows)', () => {
  it('pins every action by commit SHA', async () => {
    for (const name of ['deploy.yml', 'deploy-stage.yml']) {
      const text = await readFile(join(PROJECT_ROOT, '.github', 'workflows', name), 'utf8');
      const uses = [...text.matchAll(/uses:\s*([^\s#]+)/g)].map((m) => m[1]!).filter((u) => !u.startsWith('./'));
      expect(uses.length, name).toBeGreaterThan(2);
      for (const u of uses) expect(u, `${name}: ${u}`).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
    }
  });

  it('tests with PostgreSQL, Redis and RabbitMQ running (.ci/run), and packages in the region it deploys to, with the image tag of the commit', async () => {
    const deploy = await workflow('deploy.yml');
    expect(Object.keys(deploy.jobs.test.services).sort()).toEqual(['postgres', 'redis']);
    expect(deploy.jobs.test.services.postgres.env).toEqual({ POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: 'test' });
    // RabbitMQ from the distribution's package (broker, rabbitmqctl, its start script), before the suite, which runs as root for rabbitmqctl.
    const steps = deploy.jobs.test.steps as any[];
    const rabbit = steps.findIndex((s) => /apt-get install .*rabbitmq-server/.test(String(s.run)));
    const suite = steps.findIndex((s) => /^sudo env "PATH=\$PATH" .*bash \.ci\/run$/.test(String(s.run)));
    expect(rabbit).toBeGreaterThanOrEqual(0);
    expect(suite).toBeGreaterThan(rabbit);
    const packageStep = (deploy.jobs.package.steps as any[]).find((s) => String(s.run).includes('sls package'));
    expect(packageStep.run).toContain('--region "$AWS_REGION"');
    expect(packageStep.env.WORKER_IMAGE_TAG).toBe('${{ github.sha }}');
    for (const stage of ['dev', 'staging', 'prod']) expect(deploy.jobs[`deploy-${stage}`].with.region).toBe(deploy.env.AWS_REGION);
    expect(deploy.jobs['deploy-staging'].needs).toBe('deploy-dev');
    expect(deploy.jobs['deploy-prod'].needs).toBe('deploy-staging');
  });

  it('pushes the arm64 image with the commit tag before the deploy (after it only on a first deploy), deploys with npm run deploy in that region, then smoke-tests', async () => {
    const stage = await workflow('deploy-stage.yml');
    const steps = stage.jobs.deploy.steps as any[];
    const at = (predicate: (s: any) => boolean) => steps.findIndex(predicate);
    const pushBefore = at((s) => String(s.uses).startsWith('docker/build-push-action') && s.if === "steps.repository.outputs.exists == 'true'");
    const deploy = at((s) => String(s.run).startsWith('npm run deploy'));
    const pushAfter = at((s) => String(s.uses).startsWith('docker/build-push-action') && s.if === "steps.repository.outputs.exists != 'true'");
    const smoke = at((s) => String(s.run).includes('npm run smoke'));
    expect([pushBefore, deploy, pushAfter, smoke].every((i) => i >= 0)).toBe(true);
    expect(pushBefore).toBeLessThan(deploy);
    expect(deploy).toBeLessThan(pushAfter);
    expect(pushAfter).toBeLessThan(smoke);
    for (const push of [steps[pushBefore], steps[pushAfter]]) expect(push.with).toMatchObject({ platforms: 'linux/arm64', push: true, tags: '${{ steps.ecr.outputs.registry }}/${{ env.REPOSITORY }}:${{ github.sha }}' });
    expect(steps[deploy].run).toBe('npm run deploy -- --stage ${{ inputs.stage }} --region "$AWS_REGION" --package artifact');
    expect(stage.jobs.deploy.env.AWS_REGION).toBe('${{ inputs.region }}');
    expect(steps.find((s) => String(s.uses).startsWith('aws-actions/configure-aws-credentials')).with['aws-region']).toBe('${{ inputs.region }}');
  });
});
