/** One headline number; the exact value is in data-value (tests and tooltips read it). */
export function StatCard({
  label,
  value,
  format,
  testId,
}: {
  label: string;
  value: number | null | undefined;
  format: (n: number | null | undefined) => string;
  testId?: string;
}) {
  return (
    <div className="stat" data-testid={testId} data-value={value ?? ''} title={value?.toString()}>
      <div className="stat-value">{format(value)}</div>
      <div className="stat-label">{label}</div>
    </div>
  );
}
