import type { Entity } from 'entity-platform/client';
import { Link } from '../router.tsx';

export function EntityTable({ caption, items }: { caption: string; items: readonly Entity[] }) {
  if (items.length === 0) return <p className="muted">No entities.</p>;
  return (
    <table>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Visibility</th>
          <th scope="col">Version</th>
          <th scope="col">Updated</th>
        </tr>
      </thead>
      <tbody>
        {items.map((e) => (
          <tr key={e.id}>
            <td>
              <Link to={`/entities/${e.id}`}>{e.name}</Link>
            </td>
            <td>{e.visibility}</td>
            <td className="number">{e.version}</td>
            <td>
              <time dateTime={e.updatedAt}>{new Date(e.updatedAt).toLocaleString()}</time>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Cursor paging: back through the cursors already seen, forward with the page's nextCursor. */
export function Pager({ cursors, nextCursor, onPage }: { cursors: readonly (string | undefined)[]; nextCursor: string | null | undefined; onPage: (cursors: (string | undefined)[]) => void }) {
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" className="secondary" disabled={cursors.length <= 1} onClick={() => onPage(cursors.slice(0, -1))}>
        Previous page
      </button>
      <span>Page {cursors.length}</span>
      <button type="button" className="secondary" disabled={!nextCursor} onClick={() => onPage([...cursors, nextCursor ?? undefined])}>
        Next page
      </button>
    </nav>
  );
}
