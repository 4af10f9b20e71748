import { formatInt } from '../../lib/format.ts';

const HOURS = Array.from({ length: 24 }, (_, h) => h);

/** 24 small bars: when (hour of day, UTC) the address was active. */
export function HoursStrip({ hours }: { hours: readonly { hour: number; flows: number }[] }) {
  const max = Math.max(1, ...hours.map((h) => h.flows));
  return (
    <div className="hours" role="img" aria-label="Flows per hour of day">
      {HOURS.map((h) => {
        const flows = hours.find((x) => x.hour === h)?.flows ?? 0;
        return (
          <div key={h} className="hour" title={`${h}:00 UTC: ${formatInt(flows)} flows`}>
            <div className="hour-bar" style={{ height: `${(flows / max) * 100}%` }} />
            <div className="hour-label">{h % 6 === 0 ? h : ''}</div>
          </div>
        );
      })}
    </div>
  );
}
