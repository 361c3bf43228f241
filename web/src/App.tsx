import { useEffect, useMemo, useState } from 'react';
import { Hub } from 'aws-amplify/utils';
import { createApi, problemOf, type ShownProblem } from './api.ts';
import { currentUser, signIn, signOutEverywhere, type User } from './auth.ts';
import { ProblemView } from './components/ProblemView.tsx';
import type { ConsoleConfig } from './config.ts';
import { isAdmin, SessionContext } from './context.ts';
import { EntityListPage } from './pages/EntityListPage.tsx';
import { EntityPage } from './pages/EntityPage.tsx';
import { JobsPage } from './pages/JobsPage.tsx';
import { NewEntityPage } from './pages/NewEntityPage.tsx';
import { SearchPage } from './pages/SearchPage.tsx';
import { StatsPage } from './pages/StatsPage.tsx';
import { Link, usePath } from './router.tsx';

const NAV = [
  { to: '/', label: 'Entities' },
  { to: '/search', label: 'Search' },
  { to: '/stats', label: 'Stats' },
  { to: '/entities/new', label: 'New entity' },
] as const;

export function App({ config }: { config: ConsoleConfig }) {
  const [user, setUser] = useState<User | null>();
  const [authProblem, setAuthProblem] = useState<ShownProblem>();
  const api = useMemo(() => createApi(config), [config]);
  const path = usePath();

  useEffect(() => {
    const refresh = () => currentUser().then((u) => setUser(u ?? null), (error: unknown) => { setAuthProblem(problemOf(error)); setUser(null); });
    void refresh();
    return Hub.listen('auth', ({ payload }) => {
      if (payload.event === 'signInWithRedirect_failure' || payload.event === 'tokenRefresh_failure') {
        setAuthProblem({ title: payload.event === 'tokenRefresh_failure' ? 'Your session could not be renewed: sign in again' : 'Sign-in failed', detail: (payload.data as { error?: Error } | undefined)?.error?.message });
      }
      void refresh();
    });
  }, []);

  if (user === undefined) return <p aria-live="polite">Loading…</p>;
  if (user === null) {
    return (
      <main className="signed-out">
        <h1>Entity platform console</h1>
        <p>Look at your tenant's entities, search and count them, and run imports and exports. Sign in with your organisation's account.</p>
        {authProblem && <ProblemView problem={authProblem} />}
        <button type="button" onClick={() => void signIn().catch((error: unknown) => setAuthProblem(problemOf(error)))}>
          Sign in
        </button>
        <p className="muted">Stage {config.stage}.</p>
      </main>
    );
  }
  const nav = isAdmin(user) ? [...NAV, { to: '/jobs', label: 'Jobs' }] : NAV;
  return (
    <SessionContext.Provider value={{ config, api, user }}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <p className="brand">Entity platform · {config.stage}</p>
        <nav aria-label="Main">
          <ul>
            {nav.map((item) => (
              <li key={item.to}>
                <Link to={item.to} aria-current={path === item.to ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <span>
            {user.email ?? user.subject} · tenant <strong>{user.tenantId}</strong>
            {isAdmin(user) && ' · admin'}
          </span>
          <button type="button" className="secondary" onClick={() => void signOutEverywhere()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main">
        {authProblem && <ProblemView problem={authProblem} />}
        <Route path={path} admin={isAdmin(user)} />
      </main>
    </SessionContext.Provider>
  );
}

function Route({ path, admin }: { path: string; admin: boolean }) {
  if (path === '/' || path === '') return <EntityListPage />;
  if (path === '/search') return <SearchPage />;
  if (path === '/stats') return <StatsPage />;
  if (path === '/entities/new') return <NewEntityPage />;
  if (path === '/jobs') return admin ? <JobsPage /> : <ProblemView problem={{ title: 'Jobs are for administrators', status: 403, detail: 'Your access token is not in the "admin" group of your tenant.' }} />;
  const entity = /^\/entities\/([0-9a-f-]{36})$/i.exec(path);
  if (entity?.[1]) return <EntityPage key={entity[1]} id={entity[1]} />;
  return <ProblemView problem={{ title: 'No such page', status: 404, detail: `Nothing lives at ${path}.` }} />;
}
