/**
 * Failpoints (after TiKV's fail-rs): named places in the stages where a fault test can make the
 * process die at an exact moment, e.g. between a ClickHouse write and its offset commit, which
 * a kill from outside hits only by luck. Set by the environment, read once:
 *
 *   CAPSTREAM_FAILPOINTS=geo.after-write=kill@2   SIGKILL itself the 2nd time it passes there
 *
 * Actions: `kill` (first pass) or `kill@N`. Several are joined by commas. Unset (always, outside
 * tests), a failpoint is one Map lookup.
 */
const points = parse(process.env.CAPSTREAM_FAILPOINTS ?? '');

function parse(text: string): Map<string, { at: number; passes: number }> {
  const out = new Map<string, { at: number; passes: number }>();
  for (const item of text.split(',').filter((s) => s.trim() !== '')) {
    const m = /^\s*([\w.-]+)=kill(?:@(\d+))?\s*$/.exec(item);
    if (!m) throw new Error(`CAPSTREAM_FAILPOINTS: '${item}' is not name=kill or name=kill@N`);
    out.set(m[1], { at: Number(m[2] ?? 1), passes: 0 });
  }
  return out;
}

/** Passes the named failpoint: kills this process if a test armed it for this pass. */
export function failpoint(name: string): void {
  const p = points.get(name);
  if (p === undefined) return;
  if (++p.passes === p.at) process.kill(process.pid, 'SIGKILL');
}
