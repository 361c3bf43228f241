import { useState, type FormEvent } from 'react';
import type { operations } from 'entity-platform/client';
import { call } from '../api.ts';
import { EntityTable, Pager } from '../components/EntityTable.tsx';
import { Freshness } from '../components/Freshness.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { ProblemView } from '../components/ProblemView.tsx';
import { useSession } from '../context.ts';
import { useCall } from '../useCall.ts';

type SearchQuery = NonNullable<operations['searchEntities']['parameters']['query']> & Record<`attr.${string}`, string>;
type Sort = NonNullable<SearchQuery['sort']>;
interface Filter {
  readonly key: string;
  readonly value: string;
}

/** Full-text (`q`) and attribute (`attr.<key>=<value>`) search over the read model, with its freshness. */
export function SearchPage() {
  const { api } = useSession();
  const [q, setQ] = useState('');
  const [filters, setFilters] = useState<Filter[]>([{ key: '', value: '' }]);
  const [sort, setSort] = useState<Sort>('name');
  const [query, setQuery] = useState<SearchQuery>();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const { data, problem, loading } = useCall(async () => {
    if (!query) return undefined;
    const { data } = await call(api.GET('/api/v1/secure/entities/search', { params: { query: { ...query, ...(cursor && { cursor }) } } }));
    return { page: data, readAt: new Date() };
  }, [api, query, cursor]);

  const search = (event: FormEvent) => {
    event.preventDefault();
    const next: SearchQuery = { sort, limit: 20, ...(q.trim() && { q: q.trim() }) };
    for (const f of filters) if (f.key.trim()) next[`attr.${f.key.trim()}`] = f.value;
    setQuery(next);
    setCursors([undefined]);
  };
  const setFilter = (index: number, change: Partial<Filter>) => setFilters((fs) => fs.map((f, i) => (i === index ? { ...f, ...change } : f)));

  return (
    <>
      <PageTitle>Search</PageTitle>
      <form className="search-form" role="search" onSubmit={search}>
        <div className="field">
          <label htmlFor="search-q">Name contains</label>
          <input id="search-q" value={q} onChange={(e) => setQ(e.target.value)} />
        </div>
        <fieldset className="field">
          <legend>Attributes equal</legend>
          {filters.map((f, i) => (
            <div className="filter-row" key={i}>
              <label htmlFor={`filter-key-${i}`}>Attribute {i + 1} key</label>
              <input id={`filter-key-${i}`} value={f.key} onChange={(e) => setFilter(i, { key: e.target.value })} placeholder="colour or size.h" />
              <label htmlFor={`filter-value-${i}`}>Attribute {i + 1} value</label>
              <input id={`filter-value-${i}`} value={f.value} onChange={(e) => setFilter(i, { value: e.target.value })} placeholder='blue, 2, true or "42"' />
            </div>
          ))}
          <button type="button" className="secondary" onClick={() => setFilters((fs) => [...fs, { key: '', value: '' }])} disabled={filters.length >= 10}>
            Add an attribute
          </button>
        </fieldset>
        <div className="field">
          <label htmlFor="search-sort">Sort by</label>
          <select id="search-sort" value={sort} onChange={(e) => setSort(e.target.value as Sort)}>
            <option value="name">name (A–Z)</option>
            <option value="-name">name (Z–A)</option>
            <option value="createdAt">oldest first</option>
            <option value="-createdAt">newest first</option>
          </select>
        </div>
        <button type="submit">Search</button>
      </form>
      {problem && <ProblemView problem={problem} />}
      {loading && query && !data && <p aria-live="polite">Searching…</p>}
      {data && (
        <section aria-label="Results">
          <Freshness newestUpdatedAt={data.page.readModel.newestUpdatedAt} readAt={data.readAt} />
          <EntityTable caption="Matching entities" items={data.page.items} />
          <Pager cursors={cursors} nextCursor={data.page.nextCursor} onPage={setCursors} />
        </section>
      )}
    </>
  );
}
