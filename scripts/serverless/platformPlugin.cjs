// A local serverless plugin (no download): after the resources/ files are merged into the
// compiled template, applies scripts/serverless/platform.cjs with the service's functions and
// `custom.platform`. Runs only when packaging or deploying; serverless-offline and
// `sls invoke local` never reach this hook.
const { applyPlatform } = require('./platform.cjs');

class PlatformPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'after:aws:package:finalize:mergeCustomProviderResources': () => this.apply() };
  }

  apply() {
    const service = this.serverless.service;
    const provider = this.serverless.getProvider('aws');
    const functions = service.getAllFunctions().map((name) => ({ name, logicalId: provider.naming.getLambdaLogicalId(name), functionName: service.getFunction(name).name }));
    const config = { ...service.custom.platform, service: service.service, stage: provider.getStage(), tableName: service.custom.tableName };
    applyPlatform(service.provider.compiledCloudFormationTemplate, functions, config);
  }
}

module.exports = PlatformPlugin;
