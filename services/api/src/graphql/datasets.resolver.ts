import { Inject } from '@nestjs/common';
import { Args, Context, ID, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { canSeeDataset, requireRole } from '../auth.ts';
import type { ApiBackend } from '../backend.ts';
import { ApiError } from '../errors.ts';
import { BACKEND } from '../tokens.ts';
import type { GqlContext } from './context.ts';
import { toCapture, toDataset } from './mappers.ts';
import { Capture, Dataset, DatasetInput, DatasetUpdate } from './types.ts';

@Resolver(() => Dataset)
export class DatasetsResolver {
  constructor(@Inject(BACKEND) private readonly backend: ApiBackend) {}

  @Query(() => [Dataset])
  async datasets(@Context() ctx: GqlContext): Promise<Dataset[]> {
    const p = await ctx.principal();
    return (await this.backend.store.datasets.list())
      .filter((d) => canSeeDataset(p, d.dataset_id))
      .map(toDataset);
  }

  @Query(() => Dataset, { nullable: true })
  async dataset(
    @Context() ctx: GqlContext,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<Dataset | null> {
    const p = await ctx.principal();
    const d = canSeeDataset(p, id) ? await this.backend.store.datasets.get(id) : undefined;
    return d ? toDataset(d) : null;
  }

  @ResolveField(() => Int)
  async captureCount(@Parent() d: Dataset): Promise<number> {
    return (await this.backend.store.captures.list({ datasetId: d.id, limit: 100_000 })).length;
  }

  @ResolveField(() => [Capture])
  async captures(@Parent() d: Dataset): Promise<Capture[]> {
    return (await this.backend.store.captures.list({ datasetId: d.id })).map(({ version: _v, ...c }) =>
      toCapture(this.backend.liveState(c.capture_id) ?? c),
    );
  }

  @Mutation(() => Dataset)
  async createDataset(
    @Context() ctx: GqlContext,
    @Args('input', { type: () => DatasetInput }) input: DatasetInput,
  ): Promise<Dataset> {
    requireRole(await ctx.principal(), 'ADMIN');
    return toDataset(
      await this.backend.store.datasets.create({ name: input.name, retentionDays: input.retentionDays ?? 0 }),
    );
  }

  @Mutation(() => Dataset)
  async updateDataset(
    @Context() ctx: GqlContext,
    @Args('id', { type: () => ID }) id: string,
    @Args('input', { type: () => DatasetUpdate }) input: DatasetUpdate,
  ): Promise<Dataset> {
    requireRole(await ctx.principal(), 'ADMIN');
    if (!(await this.backend.store.datasets.get(id))) throw new ApiError('NOT_FOUND', `no dataset ${id}`);
    return toDataset(
      await this.backend.store.datasets.update(id, {
        ...(input.name != null ? { name: input.name } : {}),
        ...(input.retentionDays != null ? { retentionDays: input.retentionDays } : {}),
      }),
    );
  }

  @Mutation(() => Boolean, { description: 'Deletes the dataset with its captures and their flows.' })
  async deleteDataset(
    @Context() ctx: GqlContext,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<boolean> {
    requireRole(await ctx.principal(), 'ADMIN');
    if (id === 'default') throw new ApiError('BAD_USER_INPUT', 'the default dataset cannot be deleted');
    const store = this.backend.store;
    for (const c of await store.captures.list({ datasetId: id, limit: 100_000 })) {
      await store.captures.delete(c.capture_id);
    }
    return store.datasets.remove(id);
  }
}
