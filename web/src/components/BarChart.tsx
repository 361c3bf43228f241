/** Counts per value as horizontal bars, in a table (its numbers are read out, the bars are decoration). */
export function BarChart({ caption, rows }: { caption: string; rows: readonly { label: string; count: number }[] }) {
  const max = Math.max(1, ...rows.map((r) => r.count));
  return (
    <table className="chart">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Value</th>
          <th scope="col">Entities</th>
          <th scope="col" className="chart-bar-cell">
            <span className="visually-hidden">Share</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.label}>
            <th scope="row">{row.label}</th>
            <td className="number">{row.count}</td>
            <td className="chart-bar-cell" aria-hidden="true">
              <span className="chart-bar" style={{ width: `${(row.count / max) * 100}%` }} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
