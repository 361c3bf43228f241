// Which nested stack a resource of the application goes to (serverless.yml, custom.splitStacks;
// nestedStacksPlugin.cjs; docs/deploy.md, "Stacks"). The plugin's per-function strategy moves
// each function's own resources, whose logical ids start with the function's name, into a nested
// stack of that function: the function, its versions, `live` alias and CodeDeploy deployment
// group, its role, log group and alarms, its permissions and event source mappings. This map,
// asked first, keeps the REST API whole in the root stack (its methods and paths belong to the
// API, and the stage's deployment must follow every one of them), with everything no function
// owns: queues, bus, buckets, secrets, the worker, the console, the broker.

/** `false`: stays in the root stack; undefined: the per-function strategy decides. */
function destination(resource) {
  if (resource.Type.startsWith('AWS::ApiGateway::')) return false;
  return undefined;
}

/** The conditions named inside resources (`Fn::If`, `Condition` in a condition function), besides their own `Condition`. */
function conditionsUsed(resources) {
  const found = new Set();
  const visit = (value) => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!value || typeof value !== 'object') return;
    for (const [key, v] of Object.entries(value)) {
      if (key === 'Fn::If' && Array.isArray(v)) found.add(v[0]);
      if (key === 'Condition' && typeof v === 'string') found.add(v);
      visit(v);
    }
  };
  for (const resource of Object.values(resources)) {
    visit(resource.Properties);
  }
  return [...found].sort();
}

module.exports = destination;
module.exports.conditionsUsed = conditionsUsed;
