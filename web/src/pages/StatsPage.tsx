import { useState, type FormEvent } from 'react';
import { call } from '../api.ts';
import { BarChart } from '../components/BarChart.tsx';
import { Freshness } from '../components/Freshness.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { ProblemView } from '../components/ProblemView.tsx';
import { useSession } from '../context.ts';
import { useCall } from '../useCall.ts';

/** Counts of the tenant's entities per value of one attribute (`groupBy=attr.<key>`), as a chart. */
export function StatsPage() {
  const { api } = useSession();
  const [key, setKey] = useState('');
  const [groupBy, setGroupBy] = useState<string>();
  const { data, problem, loading } = useCall(async () => {
    if (!groupBy) return undefined;
    const { data } = await call(api.GET('/api/v1/secure/entities/stats', { params: { query: { groupBy } } }));
    return { stats: data, readAt: new Date() };
  }, [api, groupBy]);
  const show = (event: FormEvent) => {
    event.preventDefault();
    setGroupBy(`attr.${key.trim()}`);
  };
  return (
    <>
      <PageTitle>Stats</PageTitle>
      <form className="inline-form" onSubmit={show}>
        <label htmlFor="stats-key">Group by attribute</label>
        <input id="stats-key" value={key} onChange={(e) => setKey(e.target.value)} placeholder="colour" />
        <button type="submit">Show counts</button>
      </form>
      {problem && <ProblemView problem={problem} />}
      {loading && groupBy && !data && <p aria-live="polite">Counting…</p>}
      {data && (
        <section aria-label="Counts">
          <Freshness newestUpdatedAt={data.stats.readModel.newestUpdatedAt} readAt={data.readAt} />
          <p>
            {data.stats.total} entities, {data.stats.distinctValues} distinct values of <code>{data.stats.groupBy}</code>.
          </p>
          <BarChart
            caption={`Entities per ${data.stats.groupBy}`}
            rows={data.stats.buckets.map((b) => ({ label: b.value === null || b.value === undefined ? '(none)' : typeof b.value === 'string' ? b.value : JSON.stringify(b.value), count: b.count }))}
          />
        </section>
      )}
    </>
  );
}
