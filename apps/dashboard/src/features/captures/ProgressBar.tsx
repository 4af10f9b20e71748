/** A labelled progress bar; `fraction` null means unknown (indeterminate). */
export function ProgressBar({
  fraction,
  label,
  status,
}: {
  fraction: number | null;
  label: string;
  status: string;
}) {
  const pct = fraction === null ? undefined : Math.round(Math.min(1, Math.max(0, fraction)) * 100);
  return (
    <div className={`progress ${status}`} data-status={status}>
      <progress max={100} value={pct} aria-label={label} />
      <span className="progress-text">{pct === undefined ? status : `${pct}%`}</span>
    </div>
  );
}
