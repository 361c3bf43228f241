// The application's nested stacks (docs/deploy.md, "Stacks"): serverless-plugin-split-stacks, with
// the map in nestedStacks.cjs (each function's own resources in a nested stack of that function;
// the API, queues, bus, buckets and the rest in the root stack), and three changes of ours:
// - packaging reads no deployed stack. The plugin lists the deployed stacks' resources on every
//   `sls package` to keep a resource where an earlier deploy put it, which needs AWS credentials
//   (its issue #69); our packages are built offline (the tests, the pipeline's package job), and
//   the map cannot move a deployed resource (a function's resources follow its name), so the
//   deployed state would change nothing.
// - a condition a moved resource uses inside its properties (`Fn::If`) is passed to its nested
//   stack the way the plugin passes the condition of a moved resource: as a parameter;
// - the template is copied before the split (see split()).
// Listed after the plugins that complete the template (platformPlugin, consolePlugin): the same
// hook runs in the order of `plugins`. The nested templates are written beside the root one and
// moved into the `--package` folder with it; `sls deploy` uploads them into the deployment's
// folder of the deployment bucket, which their TemplateURL names.
const SplitStacks = require('serverless-plugin-split-stacks');
const { conditionsUsed } = require('./nestedStacks.cjs');

class NestedStacksPlugin extends SplitStacks {
  constructor(serverless, options) {
    super(serverless, options);
    // The plugin assigns its steps to the instance: ours replace them there.
    this.migrateExistingResources = () => {
      this.existingResources = {};
    };
    const replaceConditions = this.replaceConditions;
    this.replaceConditions = () => {
      replaceConditions.call(this);
      this.passConditionsUsed();
    };
  }

  split() {
    // `enabled: false` (the local stage, never deployed): the template stays one, untouched.
    if (this.config.enabled === false) return undefined;
    // The plugin moves resources by changing the template in place; an object two resources share
    // (the console's origin, in an environment and in a CORS header) would take a nested stack's
    // parameter into the root. Each resource gets its own copy first.
    const provider = this.serverless.service.provider;
    provider.compiledCloudFormationTemplate = JSON.parse(JSON.stringify(provider.compiledCloudFormationTemplate));
    return super.split();
  }

  passConditionsUsed() {
    for (const [stackName, stack] of Object.entries(this.nestedStacks ?? {})) {
      const stackResource = this.nestedStackResources[stackName];
      for (const condition of conditionsUsed(stack.Resources)) {
        stack.Conditions ??= {};
        if (stack.Conditions[condition]) continue;
        const parameter = `${condition}IsMetParameter`;
        stack.Parameters[parameter] = { Type: 'String' };
        stackResource.Properties.Parameters[parameter] = { 'Fn::If': [condition, 'true', 'false'] };
        stack.Conditions[condition] = { 'Fn::Equals': [{ Ref: parameter }, 'true'] };
      }
    }
  }
}

module.exports = NestedStacksPlugin;
