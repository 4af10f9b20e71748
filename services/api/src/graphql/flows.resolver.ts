import type { FlowOrderField as StoreOrderField } from '@capstream/store';
import { Inject } from '@nestjs/common';
import { Args, Context, ID, Info, Int, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { type GraphQLResolveInfo, Kind, type SelectionSetNode } from 'graphql';
import { canSeeDataset } from '../auth.ts';
import type { ApiBackend } from '../backend.ts';
import type { ApiConfig } from '../config.ts';
import { ApiError } from '../errors.ts';
import { StatsService } from '../services/stats.service.ts';
import { BACKEND, CONFIG } from '../tokens.ts';
import type { GqlContext } from './context.ts';
import { storedFlowFields, toFlow } from './mappers.ts';
import { Flow, FlowConnection, FlowFilter, FlowOrder, Long } from './types.ts';

/** Offset cursors: `o:<n>` in base64url. Deep pages cost more; filters keep them short. */
function cursor(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url');
}

function offsetOf(after: string | null): number {
  if (after === null || after === undefined) return 0;
  const m = /^o:(\d{1,12})$/.exec(Buffer.from(after, 'base64url').toString());
  if (!m) throw new ApiError('BAD_USER_INPUT', 'after: not a cursor this API gave out');
  return Number(m[1]) + 1;
}

type Connection = FlowConnection & { scoped: FlowFilter };

/**
 * The field names selected at `path` under this resolver's field (through fragments), or null
 * when the path is not selected as plain fields (then everything is read).
 */
function selectedAt(info: GraphQLResolveInfo, path: readonly string[]): Set<string> | null {
  let sets: SelectionSetNode[] = info.fieldNodes.flatMap((n) => (n.selectionSet ? [n.selectionSet] : []));
  const names = new Set<string>();
  for (let depth = 0; depth <= path.length; depth++) {
    const next: SelectionSetNode[] = [];
    const visit = (set: SelectionSetNode): boolean => {
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) {
          if (depth === path.length) names.add(sel.name.value);
          else if (sel.name.value === path[depth] && sel.selectionSet) next.push(sel.selectionSet);
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          if (!visit(sel.selectionSet)) return false;
        } else {
          const fragment = info.fragments[sel.name.value];
          if (!fragment || !visit(fragment.selectionSet)) return false;
        }
      }
      return true;
    };
    for (const set of sets) if (!visit(set)) return null;
    sets = next;
  }
  return names;
}

/** The stored fields a page's selected nodes need, or null (all of them) when that cannot be told. */
function selectedNodeFields(info: GraphQLResolveInfo): ReturnType<typeof storedFlowFields> {
  const names = selectedAt(info, ['edges', 'node']);
  return names === null ? null : storedFlowFields(names);
}

@Resolver(() => FlowConnection)
export class FlowsResolver {
  constructor(
    @Inject(StatsService) private readonly stats: StatsService,
    @Inject(BACKEND) private readonly backend: ApiBackend,
    @Inject(CONFIG) private readonly config: ApiConfig,
  ) {}

  @Query(() => FlowConnection)
  async flows(
    @Context() ctx: GqlContext,
    @Args('filter', { type: () => FlowFilter, nullable: true }) filter: FlowFilter | null,
    @Args('orderBy', { type: () => FlowOrder, nullable: true }) orderBy: FlowOrder | null,
    @Args('first', { type: () => Int, defaultValue: 100 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection> {
    const max = this.config.maxPageSize;
    if (!Number.isInteger(first) || first < 1 || first > max) {
      throw new ApiError('BAD_USER_INPUT', `first: 1..${max} flows a page`);
    }
    const scoped = this.stats.scope(await ctx.principal(), filter);
    const offset = offsetOf(after);
    const rows = await this.stats.repo.flowPage(scoped, {
      orderBy: orderBy ? { field: orderBy.field as StoreOrderField, direction: orderBy.direction } : null,
      limit: first + 1,
      offset,
      // Only the columns the query shows: most of a page's time is reading scattered rows' columns.
      fields: selectedNodeFields(info),
    });
    const page = rows.slice(0, first);
    return {
      scoped,
      edges: page.map((f, i) => ({ cursor: cursor(offset + i), node: toFlow(f) })),
      pageInfo: {
        hasNextPage: rows.length > first,
        endCursor: page.length > 0 ? cursor(offset + page.length - 1) : null,
      },
    };
  }

  @ResolveField(() => Long)
  totalCount(@Parent() c: Connection): Promise<number> {
    return this.stats.repo.count(c.scoped);
  }

  @Query(() => Flow, { nullable: true })
  async flow(
    @Context() ctx: GqlContext,
    @Args('captureId', { type: () => ID }) captureId: string,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<Flow | null> {
    const p = await ctx.principal();
    const capture = await this.backend.store.captures.get(captureId);
    if (!capture || !canSeeDataset(p, capture.dataset_id)) return null;
    const f = await this.stats.repo.flow(captureId, id);
    return f ? toFlow(f) : null;
  }
}
