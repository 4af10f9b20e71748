import type { AnalyticsRepo, FlowFilter } from '@capstream/store';
import { Inject, Injectable } from '@nestjs/common';
import { type Principal, scopeFilter } from '../auth.ts';
import type { ApiBackend } from '../backend.ts';
import { ApiError } from '../errors.ts';
import { BACKEND } from '../tokens.ts';

/**
 * Aggregates over the flows a principal may see: every filter is narrowed to the token's datasets
 * before it reaches the store.
 */
@Injectable()
export class StatsService {
  constructor(@Inject(BACKEND) private readonly backend: ApiBackend) {}

  get repo(): AnalyticsRepo {
    return this.backend.store.analytics;
  }

  scope(p: Principal, filter: FlowFilter | null | undefined): FlowFilter {
    return scopeFilter(p, filter);
  }

  limit(n: number, max = 1000): number {
    if (!Number.isInteger(n) || n < 1 || n > max) throw new ApiError('BAD_USER_INPUT', `limit: 1..${max}`);
    return n;
  }
}
