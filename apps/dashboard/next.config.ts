import type { NextConfig } from 'next';

// A static export (out/): every page is plain files and all data is fetched in the browser, so
// the API (embedded mode) or `capstream serve dashboard` (cluster) serves it; no Next server runs.
const config: NextConfig = {
  output: 'export',
  reactStrictMode: true,
  poweredByHeader: false,
  images: { unoptimized: true },
  devIndicators: false,
  // Type-checked by `npm run typecheck` (tsc) before `next build`, with the same tsconfig.
  typescript: { ignoreBuildErrors: true },
  turbopack: { root: new URL('../..', import.meta.url).pathname },
};

export default config;
