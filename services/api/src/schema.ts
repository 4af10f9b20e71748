import './reflect-shim.ts';
import { writeFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { GraphQLSchemaBuilderModule, GraphQLSchemaFactory } from '@nestjs/graphql';
import { printSchema } from 'graphql';
import { AdminResolver } from './graphql/admin.resolver.ts';
import { CapturesResolver } from './graphql/captures.resolver.ts';
import { DatasetsResolver } from './graphql/datasets.resolver.ts';
import { FlowsResolver } from './graphql/flows.resolver.ts';
import { StatsResolver } from './graphql/stats.resolver.ts';

export const RESOLVERS = [CapturesResolver, DatasetsResolver, FlowsResolver, StatsResolver, AdminResolver];

/** The API's schema as SDL, built from the resolvers without starting a server. */
export async function schemaSdl(): Promise<string> {
  const app = await NestFactory.createApplicationContext(GraphQLSchemaBuilderModule, { logger: false });
  await app.init();
  const schema = await app.get(GraphQLSchemaFactory).create(RESOLVERS);
  await app.close();
  return `${printSchema(schema)}\n`;
}

/** The committed contract clients generate their types from (apps/dashboard). */
export const SCHEMA_FILE = new URL('../schema.graphql', import.meta.url);

if (
  process.argv[1] &&
  import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '') &&
  process.argv.includes('--write')
) {
  writeFileSync(SCHEMA_FILE, await schemaSdl());
  process.stdout.write(`wrote ${SCHEMA_FILE.pathname}\n`);
}
