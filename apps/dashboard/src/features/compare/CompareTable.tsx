import { formatInt } from '../../lib/format.ts';

/** One comparison list: key, A, B and the change. */
export function CompareTable({
  title,
  rows,
  testId,
}: {
  title: string;
  rows: readonly { key: string; a: number; b: number }[];
  testId: string;
}) {
  return (
    <table className="data" data-testid={testId}>
      <caption>{title}</caption>
      <thead>
        <tr>
          <th scope="col">{title}</th>
          <th scope="col" className="num">
            A
          </th>
          <th scope="col" className="num">
            B
          </th>
          <th scope="col" className="num">
            Change
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => {
          const d = r.b - r.a;
          return (
            <tr key={r.key} data-key={r.key}>
              <td>{r.key}</td>
              <td className="num" data-value={r.a}>
                {formatInt(r.a)}
              </td>
              <td className="num" data-value={r.b}>
                {formatInt(r.b)}
              </td>
              <td className={`num ${d > 0 ? 'up' : d < 0 ? 'down' : ''}`}>
                {d > 0 ? '+' : ''}
                {formatInt(d)}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
