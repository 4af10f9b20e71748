/**
 * Failpoints (after TiKV's fail-rs): named places in the stages where a fault test can make the
 * process die (or stall) at an exact moment, e.g. between a ClickHouse write and its offset
 * commit, which a kill from outside hits only by luck. Set by the environment, read once:
 *
 *   CAPSTREAM_FAILPOINTS=geo.after-write=kill@2   SIGKILL itself the 2nd time it passes there
 *   CAPSTREAM_FAILPOINTS=serve.stop=hang          never get past there (an await that never ends)
 *
 * Actions: `kill`, `hang` (first pass) or `kill@N`, `hang@N`; `hang` only at async failpoints.
 * Several are joined by commas. Unset (always, outside tests), a failpoint is one Map lookup.
 */
const points = parse(process.env.CAPSTREAM_FAILPOINTS ?? '');

interface Point {
  action: 'kill' | 'hang';
  at: number;
  passes: number;
}

function parse(text: string): Map<string, Point> {
  const out = new Map<string, Point>();
  for (const item of text.split(',').filter((s) => s.trim() !== '')) {
    const m = /^\s*([\w.-]+)=(kill|hang)(?:@(\d+))?\s*$/.exec(item);
    if (!m) throw new Error(`CAPSTREAM_FAILPOINTS: '${item}' is not name=kill|hang or name=kill|hang@N`);
    out.set(m[1], { action: m[2] as Point['action'], at: Number(m[3] ?? 1), passes: 0 });
  }
  return out;
}

/** The failpoint, when this pass is the one a test armed. */
function armed(name: string): Point | undefined {
  const p = points.get(name);
  return p !== undefined && ++p.passes === p.at ? p : undefined;
}

/** Passes the named failpoint: kills this process if a test armed it for this pass. */
export function failpoint(name: string): void {
  if (armed(name)?.action === 'kill') process.kill(process.pid, 'SIGKILL');
}

/** An async failpoint: `kill` as above, or `hang`, which never resolves. */
export async function failpointAsync(name: string): Promise<void> {
  const p = armed(name);
  if (p?.action === 'kill') process.kill(process.pid, 'SIGKILL');
  if (p?.action === 'hang') await new Promise<never>(() => {});
}
