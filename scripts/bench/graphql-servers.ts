// Which GraphQL server under NestJS: Mercurius (Fastify) against Apollo Server (Express), the
// same code-first resolver, the same query, requests/s under the same load, in one run.
//
//   npm run bench -- --suite graphql [--seconds 10] [--connections 32] [--write]
//
// Apollo is not a dependency of Capstream, so its packages (and a second copy of the Mercurius
// stack, for the same versions side by side) are installed from the npm registry into
// bench-data/graphql-servers on the first run. Each server runs in its own process; the load comes
// from autocannon in its own process, the same way for both.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_DIR, positiveNumber } from './generate.ts';

const DIR = join(DEFAULT_DIR, 'graphql-servers');

const PACKAGES: Record<string, string> = {
  '@nestjs/common': '11.2.10',
  '@nestjs/core': '11.2.10',
  '@nestjs/graphql': '13.4.4',
  '@nestjs/mercurius': '13.4.5',
  '@nestjs/platform-fastify': '11.2.8',
  '@nestjs/apollo': '13.4.5',
  '@nestjs/platform-express': '11.2.10',
  '@apollo/server': '5.5.1',
  '@as-integrations/express5': '1.1.2',
  '@fastify/static': '10.1.3',
  fastify: '5.11.3',
  mercurius: '16.10.1',
  graphql: '16.15.0',
  'reflect-metadata': '0.2.2',
  rxjs: '7.8.2',
  autocannon: '8.0.0',
};

const SERVER = `import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Field, GraphQLModule, Int, ObjectType, Query, Resolver } from '@nestjs/graphql';

@ObjectType()
class Point { @Field(() => String) t!: string; @Field(() => Int) flows!: number; }

@Resolver()
class BenchResolver {
  @Query(() => [Point])
  points(): Point[] {
    return Array.from({ length: 10 }, (_, i) => ({ t: new Date(i * 60_000).toISOString(), flows: i }));
  }
}

const driver = process.argv[2];
let gql;
let adapter;
if (driver === 'mercurius') {
  const { MercuriusDriver } = await import('@nestjs/mercurius');
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  gql = GraphQLModule.forRoot({ driver: MercuriusDriver, autoSchemaFile: true, graphiql: false });
  adapter = new FastifyAdapter();
} else {
  const { ApolloDriver } = await import('@nestjs/apollo');
  gql = GraphQLModule.forRoot({ driver: ApolloDriver, autoSchemaFile: true, playground: false });
}

@Module({ imports: [gql], providers: [BenchResolver] })
class AppModule {}

const app = adapter
  ? await NestFactory.create(AppModule, adapter, { logger: ['error'], abortOnError: false })
  : await NestFactory.create(AppModule, { logger: ['error'], abortOnError: false });
await app.listen(0, '127.0.0.1');
process.stdout.write(\`ready \${app.getHttpServer().address().port}\\n\`);
`;

function ensurePeers(): void {
  mkdirSync(DIR, { recursive: true });
  const pkg = JSON.stringify({
    name: 'graphql-servers-bench',
    private: true,
    type: 'module',
    dependencies: PACKAGES,
  });
  const pkgFile = join(DIR, 'package.json');
  if (!existsSync(join(DIR, 'node_modules')) || readFileSync(pkgFile, 'utf8') !== pkg) {
    writeFileSync(pkgFile, pkg);
    process.stderr.write('installing the GraphQL server packages into bench-data/graphql-servers...\n');
    const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts'], {
      cwd: DIR,
      stdio: 'inherit',
    });
    if (r.status !== 0) throw new Error('npm install of the benchmark peers failed');
  }
  writeFileSync(join(DIR, 'server.ts'), SERVER);
  writeFileSync(
    join(DIR, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', experimentalDecorators: true },
    }),
  );
}

/** Requests/s from autocannon (its own process: a fetch loop here tops out before the servers do). */
function load(url: string, seconds: number, connections: number): number {
  const bin = join(DIR, 'node_modules/autocannon/autocannon.js');
  const r = spawnSync(
    process.execPath,
    [
      bin,
      '--json',
      '-c',
      String(connections),
      '-d',
      String(seconds),
      '-m',
      'POST',
      '-H',
      'content-type=application/json',
      '-b',
      JSON.stringify({ query: '{ points { t flows } }' }),
      url,
    ],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  if (r.status !== 0) throw new Error(`autocannon failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { requests: { average: number }; non2xx: number; errors: number };
  if (out.non2xx > 0 || out.errors > 0)
    throw new Error(`${out.non2xx} non-2xx answers, ${out.errors} errors`);
  return out.requests.average;
}

async function measure(driver: string, seconds: number, connections: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server.ts', driver], {
    cwd: DIR,
    env: { ...process.env, TSX_TSCONFIG_PATH: join(DIR, 'tsconfig.json') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /ready (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (c) => reject(new Error(`${driver} server exited (${c})`)));
    });
    const url = `http://127.0.0.1:${port}/graphql`;
    const check = (await (
      await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ points { t flows } }' }),
      })
    ).json()) as { data?: { points: unknown[] } };
    if (check.data?.points.length !== 10) throw new Error(`${driver}: bad answer ${JSON.stringify(check)}`);
    load(url, 2, connections);
    return load(url, seconds, connections);
  } finally {
    child.kill();
  }
}

export async function benchGraphqlServers(argv: string[]): Promise<void> {
  const seconds = positiveNumber(argv, '--seconds', 10);
  const connections = Math.floor(positiveNumber(argv, '--connections', 32));
  ensurePeers();
  const mercurius = await measure('mercurius', seconds, connections);
  const apollo = await measure('apollo', seconds, connections);
  const table = [
    `A list of 10 objects, ${connections} concurrent requests for ${seconds} s (after 2 s warm-up), one Node process per server, load from autocannon.`,
    '',
    '| server under NestJS 11 | requests/s |',
    '|---|---:|',
    `| Mercurius ${PACKAGES.mercurius} (Fastify ${PACKAGES.fastify}) | ${mercurius.toFixed(0)} |`,
    `| Apollo Server ${PACKAGES['@apollo/server']} (Express) | ${apollo.toFixed(0)} |`,
    '',
    `Mercurius / Apollo: **${(mercurius / apollo).toFixed(2)}×**.`,
  ].join('\n');
  process.stdout.write(`${table}\n`);
  if (argv.includes('--write')) {
    const { writeSection } = await import('./api.ts');
    writeSection('graphql-bench', 'GraphQL server choice', 'npm run bench -- --suite graphql --write', table);
  }
}
