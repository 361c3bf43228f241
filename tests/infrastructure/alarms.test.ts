import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEPLOYED_STAGES, packagedTemplate, resourcesOfType, type Template } from '../support/packagedStack.ts';
import { PACKAGED_STAGES_TIMEOUT_MS, packagedStages } from '../support/testRun.ts';

// The AWS stages are packaged while the stack's tests run; this file runs after them (tests/support/sequencer.ts).
beforeAll(() => packagedStages(), PACKAGED_STAGES_TIMEOUT_MS);

/**
 * Alarms can fire (issue 17): every metric an alarm or the dashboard watches is one CloudWatch
 * publishes with exactly those dimensions, per the metric specifications `@aws-cdk/aws-service-spec`
 * ships. A metric under a wrong dimension (the cache's ReplicationGroupId, a per-operation
 * DynamoDB metric asked per table) is a metric with no data: the alarm stays OK forever.
 */

interface SpecMetric { namespace: string; name: string }
interface SpecDb {
  lookup(key: 'metric', index: 'namespace', lookup: 'equals', value: string): SpecMetric[];
  follow(relationship: 'usesDimensionSet', from: SpecMetric): { entity: { dimensions: { name: string }[] } }[];
}
const db = (createRequire(import.meta.url)('@aws-cdk/aws-service-spec') as { loadAwsServiceSpecSync: () => SpecDb }).loadAwsServiceSpecSync();

/** Namespaces the specifications do not cover, with the dimensions their publishers use and why. */
const OUTSIDE_THE_SPEC: Record<string, { dimensions: string[][]; why: string }> = {
  'ECS/ContainerInsights': { dimensions: [['ClusterName', 'TaskDefinitionFamily']], why: 'Container Insights task metrics (documented per cluster and task family); not in the service specifications' },
  EntityPlatform: { dimensions: [['service']], why: "our own EMF metrics: Powertools Metrics' default dimension is `service` (POWERTOOLS_SERVICE_NAME)" },
};

/**
 * Metrics the service documents that the specifications lack: the broker metrics of Amazon MQ for
 * RabbitMQ (the specifications list the ActiveMQ engine's), published per `Broker`
 * (https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/amazon-mq-accessing-metrics.html).
 */
const METRICS_OUTSIDE_THE_SPEC: Record<string, string[][]> = {
  'AWS/AmazonMQ SystemCpuUtilization': [['Broker']],
  'AWS/AmazonMQ RabbitMQMemUsed': [['Broker']],
  'AWS/AmazonMQ RabbitMQMemLimit': [['Broker']],
};

function specDimensionSets(namespace: string, metric: string): string[][] | undefined {
  const documented = METRICS_OUTSIDE_THE_SPEC[`${namespace} ${metric}`];
  if (documented) return documented;
  const found = db.lookup('metric', 'namespace', 'equals', namespace).filter((m) => m.name === metric);
  if (found.length === 0) return undefined;
  return found.flatMap((m) => db.follow('usesDimensionSet', m).map((r) => r.entity.dimensions.map((d) => d.name).sort()));
}

interface Watched { where: string; namespace: string; metric: string; dimensions: string[] }

function watchedByAlarms(template: Template): Watched[] {
  const watched: Watched[] = [];
  for (const [id, alarm] of resourcesOfType(template, 'AWS::CloudWatch::Alarm')) {
    const p = alarm.Properties!;
    const dims = (list: { Name: string }[] | undefined) => (list ?? []).map((d) => d.Name).sort();
    if (p.MetricName) watched.push({ where: id, namespace: p.Namespace, metric: p.MetricName, dimensions: dims(p.Dimensions) });
    for (const m of p.Metrics ?? []) {
      if (m.MetricStat) watched.push({ where: `${id}.${m.Id}`, namespace: m.MetricStat.Metric.Namespace, metric: m.MetricStat.Metric.MetricName, dimensions: dims(m.MetricStat.Metric.Dimensions) });
    }
  }
  return watched;
}

function watchedByDashboard(template: Template): Watched[] {
  const body: { widgets: { properties: { title: string; metrics: unknown[][] } }[] } = JSON.parse(String(template.Resources.Dashboard!.Properties!.DashboardBody['Fn::Sub']));
  return body.widgets.flatMap((w) => w.properties.metrics.map((line) => {
    const [namespace, metric, ...rest] = line.filter((x): x is string => typeof x === 'string');
    return { where: `dashboard "${w.properties.title}"`, namespace: namespace!, metric: metric!, dimensions: rest.filter((_, i) => i % 2 === 0).sort() };
  }));
}

function problems(watched: Watched[]): string[] {
  return watched.flatMap((w) => {
    const outside = OUTSIDE_THE_SPEC[w.namespace];
    const sets = outside ? outside.dimensions.map((d) => [...d].sort()) : specDimensionSets(w.namespace, w.metric);
    if (!sets) return [`${w.where}: ${w.namespace} ${w.metric} is no metric CloudWatch publishes`];
    return sets.some((s) => s.join('+') === w.dimensions.join('+')) ? [] : [`${w.where}: ${w.namespace} ${w.metric} is published per ${sets.map((s) => s.join('+') || '(none)').join(' | ')}, not per ${w.dimensions.join('+') || '(none)'}`];
  });
}

describe.each(DEPLOYED_STAGES)('alarms and the dashboard of the packaged template (%s) against the metric specifications', (stage) => {
  it('watch only metrics CloudWatch publishes, with dimensions it publishes them under', async () => {
    const template = await packagedTemplate(stage);
    const watched = [...watchedByAlarms(template), ...watchedByDashboard(template)];
    expect(watched.length).toBeGreaterThan(60);
    expect(problems(watched)).toEqual([]);
  });

  it('watch the cache per member cluster of the replication group, each member', async () => {
    const template = await packagedTemplate(stage);
    const nodes = { dev: 1, staging: 2, prod: 3 }[stage];
    const members = Array.from({ length: nodes }, (_, i) => `entity-platform-${stage}-00${i + 1}`);
    for (const id of ['CacheCpuAlarm', 'CacheEvictionsAlarm']) {
      const metrics = template.Resources[id]!.Properties!.Metrics as any[];
      expect(metrics.filter((m) => m.MetricStat).map((m) => m.MetricStat.Metric.Dimensions), id).toEqual(members.map((m) => [{ Name: 'CacheClusterId', Value: m }]));
      expect(metrics.find((m) => m.ReturnData), id).toMatchObject({ Expression: `MAX([${members.map((_, i) => `m${i + 1}`).join(', ')}])` });
      expect(template.Resources[id]!.Properties!.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
    }
  });
});

describe('the metric check itself', () => {
  it('fails on the dimensions the cache alarms used to have, and on a metric that does not exist', () => {
    expect(problems([{ where: 'old', namespace: 'AWS/ElastiCache', metric: 'EngineCPUUtilization', dimensions: ['ReplicationGroupId'] }])).toEqual([expect.stringContaining('is published per CacheClusterId')]);
    expect(problems([{ where: 'old', namespace: 'AWS/DynamoDB', metric: 'ThrottledRequests', dimensions: ['TableName'] }])).toEqual([expect.stringContaining('Operation+TableName')]);
    expect(problems([{ where: 'typo', namespace: 'AWS/Lambda', metric: 'Error', dimensions: ['FunctionName'] }])).toEqual(['typo: AWS/Lambda Error is no metric CloudWatch publishes']);
    expect(problems([{ where: 'ok', namespace: 'AWS/Lambda', metric: 'Errors', dimensions: ['FunctionName'] }])).toEqual([]);
  });
});
