import { Inject } from '@nestjs/common';
import { Args, Context, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { type Authenticator, canSeeDataset, requireRole } from '../auth.ts';
import type { ApiBackend } from '../backend.ts';
import { ApiError } from '../errors.ts';
import { AUTH, BACKEND } from '../tokens.ts';
import type { GqlContext } from './context.ts';
import { toToken } from './mappers.ts';
import { ApiToken, LiveListener, NewApiToken, NewApiTokenInput } from './types.ts';

/** Tokens (admin) and live pcap-over-IP listeners (analyst). */
@Resolver()
export class AdminResolver {
  constructor(
    @Inject(BACKEND) private readonly backend: ApiBackend,
    @Inject(AUTH) private readonly auth: Authenticator,
  ) {}

  @Query(() => [ApiToken])
  async apiTokens(@Context() ctx: GqlContext): Promise<ApiToken[]> {
    requireRole(await ctx.principal(), 'ADMIN');
    return (await this.backend.store.tokens.list()).map(toToken);
  }

  @Mutation(() => NewApiToken)
  async createApiToken(
    @Context() ctx: GqlContext,
    @Args('input', { type: () => NewApiTokenInput }) input: NewApiTokenInput,
  ): Promise<NewApiToken> {
    requireRole(await ctx.principal(), 'ADMIN');
    const { token, info } = await this.backend.store.tokens.create({
      name: input.name,
      role: input.role,
      datasetIds: input.datasetIds ?? [],
    });
    return { token, info: toToken(info) };
  }

  @Mutation(() => Boolean)
  async revokeApiToken(
    @Context() ctx: GqlContext,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<boolean> {
    requireRole(await ctx.principal(), 'ADMIN');
    const done = await this.backend.store.tokens.revoke(id);
    this.auth.forget();
    return done;
  }

  @Query(() => [LiveListener])
  async liveListeners(@Context() ctx: GqlContext): Promise<LiveListener[]> {
    const p = await ctx.principal();
    return this.backend.listeners().filter((l) => canSeeDataset(p, l.datasetId));
  }

  @Mutation(() => LiveListener, {
    description:
      'Listens for pcap-over-IP streams (tcpdump -w - | nc HOST PORT); each connection is a capture.',
  })
  async openLiveListener(
    @Context() ctx: GqlContext,
    @Args('datasetId', { type: () => ID }) datasetId: string,
    // Left out, a nullable argument arrives as undefined, not null.
    @Args('port', { type: () => Int, nullable: true }) port: number | null | undefined,
  ): Promise<LiveListener> {
    const p = await ctx.principal();
    requireRole(p, 'ANALYST');
    if (!canSeeDataset(p, datasetId))
      throw new ApiError('FORBIDDEN', `the token may not use dataset ${datasetId}`);
    if (port != null && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      throw new ApiError('BAD_USER_INPUT', 'port: 1..65535 (or leave it out for any free port)');
    }
    return this.backend.openListener(datasetId, port ?? null);
  }

  @Mutation(() => Boolean)
  async closeLiveListener(
    @Context() ctx: GqlContext,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<boolean> {
    requireRole(await ctx.principal(), 'ANALYST');
    return this.backend.closeListener(id);
  }
}
