import { Inject } from '@nestjs/common';
import { Args, Context, ID, Int, Mutation, Query, Resolver, Subscription } from '@nestjs/graphql';
import type { Principal } from '../auth.ts';
import { canSeeDataset } from '../auth.ts';
import { CapturesService } from '../services/captures.service.ts';
import { type GqlContext, TOPIC } from './context.ts';
import { toCapture } from './mappers.ts';
import { Capture, CaptureStatus, FlowsLanded, Me, SubmitCaptureInput } from './types.ts';

interface CapturePayload {
  capture: Capture;
}

@Resolver(() => Capture)
export class CapturesResolver {
  constructor(@Inject(CapturesService) private readonly service: CapturesService) {}

  @Query(() => Me)
  async me(@Context() ctx: GqlContext): Promise<Me> {
    const p = await ctx.principal();
    return { tokenId: p.tokenId, name: p.name, role: p.role, datasetIds: p.datasetIds };
  }

  @Query(() => [Capture])
  async captures(
    @Context() ctx: GqlContext,
    @Args('datasetId', { type: () => ID, nullable: true }) datasetId: string | null,
    @Args('status', { type: () => CaptureStatus, nullable: true }) status: keyof typeof CaptureStatus | null,
    @Args('first', { type: () => Int, defaultValue: 200 }) first: number,
  ): Promise<Capture[]> {
    return (await this.service.list(await ctx.principal(), { datasetId, status, first })).map(toCapture);
  }

  @Query(() => Capture, { nullable: true })
  async capture(
    @Context() ctx: GqlContext,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<Capture | null> {
    const c = await this.service.get(await ctx.principal(), id);
    return c ? toCapture(c) : null;
  }

  @Mutation(() => Capture)
  async submitCapture(
    @Context() ctx: GqlContext,
    @Args('input', { type: () => SubmitCaptureInput }) input: SubmitCaptureInput,
  ): Promise<Capture> {
    return toCapture(await this.service.submit(await ctx.principal(), input));
  }

  @Mutation(() => Boolean)
  async deleteCapture(
    @Context() ctx: GqlContext,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<boolean> {
    return this.service.delete(await ctx.principal(), id);
  }

  @Subscription(() => Capture, {
    description:
      "The capture's state each time its progress or status changes (a few times a second at most).",
    resolve: (payload: CapturePayload) => payload.capture,
  })
  async captureProgress(@Context() ctx: GqlContext, @Args('id', { type: () => ID }) id: string) {
    const p = await ctx.principal();
    const it = await ctx.pubsub.subscribe(TOPIC.capture(id));
    // The current state first, so a late subscriber does not wait for the next change.
    const now = await this.service.get(p, id);
    if (now)
      setImmediate(() =>
        ctx.pubsub.publish({ topic: TOPIC.capture(id), payload: { capture: toCapture(now) } }),
      );
    return it;
  }

  @Subscription(() => Capture, {
    description: 'Any capture of a dataset (or of all datasets) that changed.',
    resolve: (payload: CapturePayload) => payload.capture,
    filter: async (payload: CapturePayload, vars: { datasetId?: string | null }, ctx: GqlContext) => {
      const p: Principal = await ctx.principal();
      const ds = payload.capture.datasetId;
      return canSeeDataset(p, ds) && (!vars.datasetId || vars.datasetId === ds);
    },
  })
  async capturesChanged(
    @Context() ctx: GqlContext,
    @Args('datasetId', { type: () => ID, nullable: true }) _datasetId: string | null,
  ) {
    await ctx.principal();
    return ctx.pubsub.subscribe(TOPIC.captures);
  }

  @Subscription(() => FlowsLanded, {
    description: 'A tick when new flows of a capture or dataset have been stored.',
    resolve: (payload: { landed: FlowsLanded }) => payload.landed,
    filter: async (
      payload: { landed: FlowsLanded },
      vars: { captureId?: string | null; datasetId?: string | null },
      ctx: GqlContext,
    ) => {
      const p: Principal = await ctx.principal();
      const l = payload.landed;
      return (
        canSeeDataset(p, l.datasetId) &&
        (!vars.captureId || vars.captureId === l.captureId) &&
        (!vars.datasetId || vars.datasetId === l.datasetId)
      );
    },
  })
  async flowsLanded(
    @Context() ctx: GqlContext,
    @Args('captureId', { type: () => ID, nullable: true }) _captureId: string | null,
    @Args('datasetId', { type: () => ID, nullable: true }) _datasetId: string | null,
  ) {
    await ctx.principal();
    return ctx.pubsub.subscribe(TOPIC.landed);
  }
}
