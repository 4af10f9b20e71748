// Country shapes, offline: Natural Earth 1:110m from world-atlas (TopoJSON), each region named by
// its ISO alpha-2 code so API rows (alpha-2) join directly.
import type { FeatureCollection, Geometry } from 'geojson';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import topology from 'world-atlas/countries-110m.json';
import { numericToAlpha2 } from '../../lib/countries.ts';
import { echarts } from '../charts/echarts.ts';

/** Regions without an ISO numeric id in Natural Earth. */
const NO_ID: Record<string, string> = { Kosovo: 'XK' };

let registered = false;

type Position = number[];

/**
 * A few rings (Russia's far east, Fiji) cross the antimeridian, jumping from +180 to -180; drawn
 * flat, that is a line across the whole map. Such a ring keeps its side: points on the other side
 * are clamped to ±180 (a sliver of Chukotka and of Fiji drawn on the edge).
 */
function clampRing(ring: Position[]): Position[] {
  let jumps = false;
  for (let i = 1; i < ring.length && !jumps; i++) jumps = Math.abs(ring[i][0] - ring[i - 1][0]) > 180;
  if (!jumps) return ring;
  const east = ring.filter((p) => p[0] > 0).length >= ring.length / 2;
  return ring.map(([x, y]) => [east ? (x < 0 ? 180 : x) : x > 0 ? -180 : x, y]);
}

function clampGeometry(g: Geometry): Geometry {
  if (g.type === 'Polygon') return { ...g, coordinates: g.coordinates.map(clampRing) };
  if (g.type === 'MultiPolygon') return { ...g, coordinates: g.coordinates.map((p) => p.map(clampRing)) };
  return g;
}

/** Registers the map as 'world' with ECharts (once). */
export function registerWorld(): void {
  if (registered) return;
  const topo = topology as unknown as Topology<{ countries: GeometryCollection<{ name: string }> }>;
  const geo = feature(topo, topo.objects.countries) as FeatureCollection<Geometry, { name: string }>;
  const features = geo.features
    .filter((f) => f.id !== '010') // Antarctica: no traffic, much space
    .map((f) => ({
      ...f,
      geometry: clampGeometry(f.geometry),
      properties: {
        name: numericToAlpha2(f.id as string | undefined) ?? NO_ID[f.properties.name] ?? f.properties.name,
        label: f.properties.name,
      },
    }));
  echarts.registerMap('world', { type: 'FeatureCollection', features } as never);
  registered = true;
}
