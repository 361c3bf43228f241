// A local serverless plugin for the console (docs/console.md; logic in console.cjs):
// - every API route answers CORS preflights for the console's origin (serverless's `cors`, so
//   API Gateway and serverless-offline both get it);
// - in a deployed stage the origin is the distribution's (or the stage's console domain), set in
//   the compiled template;
// - `sls deploy` then builds the console (Vite), uploads it with a config.json made from the
//   stack's outputs, and invalidates the distribution's cache;
// - `sls remove` first empties the console bucket (the build is redeployable), so the stack's
//   deletion does not stop at a non-empty bucket.
const { spawnSync } = require('node:child_process');
const { resolve } = require('node:path');
const { addCors, applyConsoleOrigin, deployConsole, emptyConsoleBucket } = require('./console.cjs');

class ConsolePlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      initialize: () => this.cors(),
      'after:aws:package:finalize:mergeCustomProviderResources': () => this.origin(),
      'after:deploy:deploy': () => this.deploy(),
      'before:remove:remove': () => this.empty(),
    };
  }

  get settings() {
    return this.serverless.service.custom.console;
  }

  cors() {
    addCors(this.serverless.service.functions ?? {}, this.settings.corsOrigin);
  }

  origin() {
    if (!this.settings.originExpression) return;
    const service = this.serverless.service;
    const naming = this.serverless.getProvider('aws').naming;
    const httpFunctionIds = service.getAllFunctions().filter((name) => (service.getFunction(name).events ?? []).some((e) => e.http)).map((name) => naming.getLambdaLogicalId(name));
    applyConsoleOrigin(service.provider.compiledCloudFormationTemplate, this.settings.originExpression, httpFunctionIds);
  }

  async stackOutputs(provider) {
    const { Stacks } = await provider.request('CloudFormation', 'describeStacks', { StackName: provider.naming.getStackName() });
    return Object.fromEntries((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  }

  async empty() {
    if (!this.settings.originExpression) return;
    const provider = this.serverless.getProvider('aws');
    await emptyConsoleBucket({ request: (service, method, params) => provider.request(service, method, params), outputs: await this.stackOutputs(provider), log: (message) => this.serverless.cli.log(message) });
  }

  async deploy() {
    if (!this.settings.originExpression) return; // the local stage is never deployed
    const provider = this.serverless.getProvider('aws');
    const root = this.serverless.serviceDir;
    const built = spawnSync(resolve(root, 'node_modules', '.bin', 'vite'), ['build', '--config', resolve(root, 'web', 'vite.config.ts'), '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
    if (built.status !== 0) throw new Error('The console did not build (vite build).');
    const outputs = await this.stackOutputs(provider);
    await deployConsole({
      request: (service, method, params) => provider.request(service, method, params),
      outputs,
      stage: provider.getStage(),
      distDir: resolve(root, 'web', 'dist'),
      log: (message) => this.serverless.cli.log(message),
    });
  }
}

module.exports = ConsolePlugin;
