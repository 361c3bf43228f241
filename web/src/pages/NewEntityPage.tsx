import { useState } from 'react';
import { call, problemOf, type ShownProblem } from '../api.ts';
import { EntityForm, type EntityDraft } from '../components/EntityForm.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { ProblemView } from '../components/ProblemView.tsx';
import { useSession } from '../context.ts';
import { Link, navigate } from '../router.tsx';

export function NewEntityPage() {
  const { api } = useSession();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ShownProblem & { conflictingEntityId?: string }>();
  const create = async (draft: EntityDraft) => {
    setBusy(true);
    try {
      // One key per attempt: a retried POST (network) cannot create the entity twice.
      const { data } = await call(api.POST('/api/v1/secure/entities', { params: { header: { 'Idempotency-Key': crypto.randomUUID() } }, body: draft }));
      navigate(`/entities/${data.id}`);
    } catch (error) {
      const conflicting = (error as { body?: { conflictingEntityId?: unknown } }).body?.conflictingEntityId;
      setProblem({ ...problemOf(error), ...(typeof conflicting === 'string' && { conflictingEntityId: conflicting }) });
      setBusy(false);
    }
  };
  return (
    <>
      <PageTitle>New entity</PageTitle>
      {problem && (
        <ProblemView problem={problem}>
          {problem.conflictingEntityId && (
            <p>
              <Link to={`/entities/${problem.conflictingEntityId}`}>Open the entity that has this name</Link>
            </p>
          )}
        </ProblemView>
      )}
      <EntityForm initial={{ name: '', visibility: 'private', attributes: {} }} submitLabel="Create" busy={busy} onSubmit={(d) => void create(d)} />
    </>
  );
}
