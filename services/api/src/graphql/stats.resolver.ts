import type { FlowFilter as StoreFilter } from '@capstream/store';
import { Inject } from '@nestjs/common';
import { Args, Context, ID, Int, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { StatsService } from '../services/stats.service.ts';
import type { GqlContext } from './context.ts';
import {
  CityStat,
  Comparison,
  CountryStat,
  DayHourCell,
  DurationBucket,
  End,
  FlowFilter,
  IpProfile,
  Overview,
  PortRangeCount,
  ProtocolStat,
  SankeyLink,
  Talker,
  TalkerMetric,
  Timeline,
} from './types.ts';

type EndName = keyof typeof End;
type ScopedOverview = Overview & { scoped: StoreFilter; limit: number };

const filterArg = () => Args('filter', { type: () => FlowFilter, nullable: true });
const limitArg = (n: number) => Args('limit', { type: () => Int, defaultValue: n });
const endArg = (e: EndName) => Args('end', { type: () => End, defaultValue: e });

/** Every aggregate the dashboard shows, each over the same FlowFilter. */
@Resolver(() => Overview)
export class StatsResolver {
  constructor(@Inject(StatsService) private readonly stats: StatsService) {}

  private async scoped(ctx: GqlContext, filter: FlowFilter | null): Promise<StoreFilter> {
    return this.stats.scope(await ctx.principal(), filter);
  }

  @Query(() => Overview)
  async overview(
    @Context() ctx: GqlContext,
    @filterArg() filter: FlowFilter | null,
    @limitArg(20) limit: number,
  ): Promise<ScopedOverview> {
    const scoped = await this.scoped(ctx, filter);
    return { ...(await this.stats.repo.totals(scoped)), scoped, limit: this.stats.limit(limit) };
  }

  @ResolveField(() => [ProtocolStat])
  protocols(@Parent() o: ScopedOverview): Promise<ProtocolStat[]> {
    return this.stats.repo.protocols(o.scoped, o.limit);
  }

  @ResolveField(() => [CountryStat])
  countries(@Parent() o: ScopedOverview): Promise<CountryStat[]> {
    return this.stats.repo.countries(o.scoped, 'ANY', o.limit);
  }

  @Query(() => [Talker])
  async topTalkers(
    @Context() ctx: GqlContext,
    @filterArg() filter: FlowFilter | null,
    @endArg('SRC') end: EndName,
    @Args('by', { type: () => TalkerMetric, defaultValue: 'BYTES' }) by: keyof typeof TalkerMetric,
    @limitArg(10) limit: number,
  ): Promise<Talker[]> {
    return this.stats.repo.talkers(await this.scoped(ctx, filter), end, by, this.stats.limit(limit));
  }

  @Query(() => [Talker], { description: 'Addresses by number of flows.' })
  async flowsPerIp(
    @Context() ctx: GqlContext,
    @filterArg() filter: FlowFilter | null,
    @endArg('ANY') end: EndName,
    @limitArg(20) limit: number,
  ): Promise<Talker[]> {
    return this.stats.repo.talkers(await this.scoped(ctx, filter), end, 'FLOWS', this.stats.limit(limit));
  }

  @Query(() => [SankeyLink], { description: 'Application → country of the responder (else initiator).' })
  async protocolCountry(
    @Context() ctx: GqlContext,
    @filterArg() filter: FlowFilter | null,
    @limitArg(40) limit: number,
  ): Promise<SankeyLink[]> {
    return this.stats.repo.protocolCountry(await this.scoped(ctx, filter), this.stats.limit(limit));
  }

  @Query(() => [SankeyLink], { description: 'Application → day (UTC) of the first packet.' })
  async protocolDay(
    @Context() ctx: GqlContext,
    @filterArg() filter: FlowFilter | null,
    @limitArg(60) limit: number,
  ): Promise<SankeyLink[]> {
    return this.stats.repo.protocolDay(await this.scoped(ctx, filter), this.stats.limit(limit));
  }

  @Query(() => [DurationBucket])
  async durationHistogram(
    @Context() ctx: GqlContext,
    @filterArg() filter: FlowFilter | null,
  ): Promise<DurationBucket[]> {
    return this.stats.repo.durationHistogram(await this.scoped(ctx, filter));
  }

  @Query(() => [PortRangeCount])
  async portRanges(
    @Context() ctx: GqlContext,
    @filterArg() filter: FlowFilter | null,
    @endArg('DST') end: EndName,
  ): Promise<PortRangeCount[]> {
    return this.stats.repo.portRanges(await this.scoped(ctx, filter), end);
  }

  @Query(() => Timeline)
  async timeline(
    @Context() ctx: GqlContext,
    @filterArg() filter: FlowFilter | null,
    @Args('step', { type: () => Int, nullable: true }) step: number | null,
    @Args('maxPoints', { type: () => Int, defaultValue: 300 }) maxPoints: number,
  ): Promise<Timeline> {
    return this.stats.repo.timeline(
      await this.scoped(ctx, filter),
      step ?? null,
      this.stats.limit(maxPoints, 5000),
    );
  }

  @Query(() => [DayHourCell])
  async dayHour(@Context() ctx: GqlContext, @filterArg() filter: FlowFilter | null): Promise<DayHourCell[]> {
    return this.stats.repo.dayHour(await this.scoped(ctx, filter));
  }

  @Query(() => [CountryStat])
  async geo(
    @Context() ctx: GqlContext,
    @filterArg() filter: FlowFilter | null,
    @endArg('ANY') end: EndName,
  ): Promise<CountryStat[]> {
    return this.stats.repo.countries(await this.scoped(ctx, filter), end, 300);
  }

  @Query(() => [CityStat])
  async cities(
    @Context() ctx: GqlContext,
    @filterArg() filter: FlowFilter | null,
    @Args('country', { type: () => String, nullable: true }) country: string | null,
    @endArg('ANY') end: EndName,
    @limitArg(200) limit: number,
  ): Promise<CityStat[]> {
    return this.stats.repo.cities(
      await this.scoped(ctx, filter),
      country ?? null,
      end,
      this.stats.limit(limit),
    );
  }

  @Query(() => IpProfile)
  async ipProfile(
    @Context() ctx: GqlContext,
    @Args('ip', { type: () => String }) ip: string,
    @filterArg() filter: FlowFilter | null,
  ): Promise<IpProfile> {
    return this.stats.repo.ipProfile(ip, await this.scoped(ctx, filter), 20);
  }

  @Query(() => Comparison, {
    description: 'Two sets of flows side by side (two captures, two time ranges...).',
  })
  async compare(
    @Context() ctx: GqlContext,
    @Args('a', { type: () => FlowFilter }) a: FlowFilter,
    @Args('b', { type: () => FlowFilter }) b: FlowFilter,
    @limitArg(20) limit: number,
  ): Promise<Comparison> {
    return this.stats.repo.compare(
      await this.scoped(ctx, a),
      await this.scoped(ctx, b),
      this.stats.limit(limit),
    );
  }

  @Query(() => Comparison)
  async compareCaptures(
    @Context() ctx: GqlContext,
    @Args('a', { type: () => ID }) a: string,
    @Args('b', { type: () => ID }) b: string,
    @limitArg(20) limit: number,
  ): Promise<Comparison> {
    return this.stats.repo.compare(
      await this.scoped(ctx, { captureIds: [a] }),
      await this.scoped(ctx, { captureIds: [b] }),
      this.stats.limit(limit),
    );
  }
}
