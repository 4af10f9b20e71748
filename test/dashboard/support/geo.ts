// A point inside a country's shape (from the same world-atlas file the dashboard draws), so a test
// can click that country on the map.
import { createRequire } from 'node:module';
import countries from 'i18n-iso-countries';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';

type Ring = [number, number][];

const require = createRequire(import.meta.url);

function inside([x, y]: [number, number], ring: Ring): boolean {
  let c = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) c = !c;
  }
  return c;
}

function distanceToBorder([x, y]: [number, number], ring: Ring): number {
  let d = Number.POSITIVE_INFINITY;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [ax, ay] = ring[j];
    const [bx, by] = ring[i];
    const dx = bx - ax;
    const dy = by - ay;
    const t = dx || dy ? Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy))) : 0;
    d = Math.min(d, Math.hypot(x - (ax + t * dx), y - (ay + t * dy)));
  }
  return d;
}

const area = (ring: Ring) =>
  Math.abs(
    ring.reduce((s, [x, y], i) => {
      const [x2, y2] = ring[(i + 1) % ring.length];
      return s + x * y2 - x2 * y;
    }, 0) / 2,
  );

/** [lon, lat] well inside the largest polygon of the country (ISO alpha-2), or null if unknown. */
export function pointInCountry(alpha2: string): [number, number] | null {
  const topo = require('world-atlas/countries-110m.json') as Topology<{ countries: GeometryCollection }>;
  const geo = feature(topo, topo.objects.countries) as unknown as {
    features: { id?: string; geometry: { type: string; coordinates: unknown } }[];
  };
  const f = geo.features.find((x) => x.id !== undefined && countries.numericToAlpha2(x.id) === alpha2);
  if (!f) return null;
  const polys = (
    f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates
  ) as Ring[][];
  const ring = polys.map((p) => p[0]).sort((a, b) => area(b) - area(a))[0];
  // The grid point inside the ring farthest from its border (roughly its pole of inaccessibility).
  const xs = ring.map((p) => p[0]);
  const ys = ring.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  let best: [number, number] | null = null;
  let bestScore = -1;
  const N = 40;
  for (let i = 1; i < N; i++) {
    for (let j = 1; j < N; j++) {
      const p: [number, number] = [x0 + ((x1 - x0) * i) / N, y0 + ((y1 - y0) * j) / N];
      if (!inside(p, ring)) continue;
      const score = distanceToBorder(p, ring);
      if (score > bestScore) {
        bestScore = score;
        best = p;
      }
    }
  }
  return best;
}
