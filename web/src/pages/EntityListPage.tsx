import { useState, type FormEvent } from 'react';
import { call } from '../api.ts';
import { EntityTable, Pager } from '../components/EntityTable.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { ProblemView } from '../components/ProblemView.tsx';
import { useSession } from '../context.ts';
import { Link } from '../router.tsx';
import { useCall } from '../useCall.ts';

const PAGE_SIZE = 20;

/** The tenant's entities, oldest first, with a name lookup and cursor paging. */
export function EntityListPage() {
  const { api, user } = useSession();
  const [nameInput, setNameInput] = useState('');
  const [name, setName] = useState<string>();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const { data, problem, loading } = useCall(
    async () => (await call(api.GET('/api/v1/secure/entities', { params: { query: { limit: PAGE_SIZE, ...(name && { name }), ...(cursor && { cursor }) } } }))).data,
    [api, name, cursor],
  );
  const lookUp = (event: FormEvent) => {
    event.preventDefault();
    setName(nameInput.trim() || undefined);
    setCursors([undefined]);
  };
  return (
    <>
      <PageTitle>Entities</PageTitle>
      <p>
        Tenant <strong>{user.tenantId}</strong>. <Link to="/entities/new">Create an entity</Link>
      </p>
      <form className="inline-form" role="search" onSubmit={lookUp}>
        <label htmlFor="lookup-name">Name</label>
        <input id="lookup-name" value={nameInput} onChange={(e) => setNameInput(e.target.value)} placeholder="exact name, any case" />
        <button type="submit">Look up</button>
        {name && (
          <button type="button" className="secondary" onClick={() => { setNameInput(''); setName(undefined); setCursors([undefined]); }}>
            Show all
          </button>
        )}
      </form>
      {problem && <ProblemView problem={problem} />}
      {loading && !data && <p aria-live="polite">Loading…</p>}
      {data && (
        <>
          <EntityTable caption={name ? `Entities named “${name}”` : 'Entities, oldest first'} items={data.items} />
          <Pager cursors={cursors} nextCursor={data.nextCursor} onPage={setCursors} />
        </>
      )}
    </>
  );
}
