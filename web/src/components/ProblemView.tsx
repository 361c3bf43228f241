import type { ReactNode } from 'react';
import type { ShownProblem } from '../api.ts';

/** A failed call as the API described it (problem+json): title, detail, every field to fix, the correlation id to quote. */
export function ProblemView({ problem, children }: { problem: ShownProblem; children?: ReactNode }) {
  return (
    <div className="problem" role="alert">
      <p className="problem-title">
        <strong>{problem.title}</strong>
        {problem.status !== undefined && <span className="problem-status"> ({problem.status})</span>}
      </p>
      {problem.detail && <p>{problem.detail}</p>}
      {problem.errors && problem.errors.length > 0 && (
        <ul aria-label="Fields to fix">
          {problem.errors.map((e) => (
            <li key={`${e.path}:${e.message}`}>
              <code>{e.path}</code>: {e.message}
            </li>
          ))}
        </ul>
      )}
      {problem.correlationId && (
        <p className="muted">
          Correlation id: <code>{problem.correlationId}</code>
        </p>
      )}
      {children}
    </div>
  );
}
