const t0 = performance.now();
const { openStore, storeConfigFromEnv } = await import('./packages/store/src/index.ts');
const { openGeoDatabase, resolveGeoConfig, geoConfigFromEnv } = await import('./services/geo/src/index.ts');
const t1 = performance.now();
console.log('imports', (t1 - t0).toFixed(0));
const mode = process.argv[2];
if (mode !== 'geo') {
  const a = performance.now();
  const store = await openStore(storeConfigFromEnv(process.env, { dataDir: process.argv[3] }));
  console.log('openStore', (performance.now() - a).toFixed(0));
  await store.close();
}
if (mode !== 'store') {
  const a = performance.now();
  await openGeoDatabase(resolveGeoConfig(geoConfigFromEnv(process.env, {})));
  console.log('openGeo', (performance.now() - a).toFixed(0));
}
