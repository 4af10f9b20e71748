// The GraphQL schema, code-first. Every field names its type (tsx emits no decorator metadata: see
// reflect-shim.ts). schema.graphql is printed from these classes; a test keeps it in step.

import { FLOW_ORDER_FIELDS } from '@capstream/store';
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

function toLong(v: unknown): number {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    throw new GraphQLError(`Long must be a whole number within ±2^53, got ${JSON.stringify(v)}`);
  }
  return n;
}

export const Long = new GraphQLScalarType({
  name: 'Long',
  description:
    'An integer that may exceed 32 bits (bytes, packets, flows), as a JSON number (exact to 2^53).',
  serialize: toLong,
  parseValue: toLong,
  parseLiteral(ast) {
    if (ast.kind !== Kind.INT) throw new GraphQLError('Long must be an integer literal');
    return toLong(ast.value);
  },
});

export const CaptureStatus = {
  QUEUED: 'QUEUED',
  RUNNING: 'RUNNING',
  DONE: 'DONE',
  FAILED: 'FAILED',
} as const;
export const Role = { VIEWER: 'VIEWER', ANALYST: 'ANALYST', ADMIN: 'ADMIN' } as const;
export const End = { SRC: 'SRC', DST: 'DST', ANY: 'ANY' } as const;
export const TalkerMetric = {
  FLOWS: 'FLOWS',
  BYTES: 'BYTES',
  BYTES_SENT: 'BYTES_SENT',
  BYTES_RECEIVED: 'BYTES_RECEIVED',
  PACKETS: 'PACKETS',
} as const;
export const OrderDirection = { ASC: 'ASC', DESC: 'DESC' } as const;
// The sortable columns are the store's (one list: what it can order by).
export const FlowOrderField = Object.fromEntries(FLOW_ORDER_FIELDS.map((k) => [k, k]));

registerEnumType(CaptureStatus, { name: 'CaptureStatus' });
registerEnumType(Role, { name: 'Role' });
registerEnumType(End, {
  name: 'End',
  description: 'Which end of a flow: the initiator (SRC), the responder (DST), or either (ANY).',
});
registerEnumType(TalkerMetric, { name: 'TalkerMetric' });
registerEnumType(OrderDirection, { name: 'OrderDirection' });
registerEnumType(FlowOrderField, { name: 'FlowOrderField' });

const nullable = { nullable: true } as const;

@ObjectType()
export class CaptureProgress {
  @Field(() => Long) bytesRead!: number;
  @Field(() => Long, nullable) bytesTotal!: number | null;
  @Field(() => Long) packets!: number;
  @Field(() => Long) flows!: number;
  @Field(() => Float, { nullable: true, description: 'bytesRead / bytesTotal, when the total is known.' })
  fraction!: number | null;
}

@ObjectType()
export class Counter {
  @Field(() => String) name!: string;
  @Field(() => Long) value!: number;
}

@ObjectType()
export class Capture {
  @Field(() => ID) id!: string;
  @Field(() => ID) datasetId!: string;
  @Field(() => String) name!: string;
  @Field(() => String, {
    description: 'Where it came from; a URL never carries its query string (no SAS token).',
  })
  source!: string;
  @Field(() => CaptureStatus) status!: keyof typeof CaptureStatus;
  @Field(() => String, nullable) error!: string | null;
  @Field(() => CaptureProgress) progress!: CaptureProgress;
  @Field(() => String, nullable) firstSeen!: string | null;
  @Field(() => String, nullable) lastSeen!: string | null;
  @Field(() => [Int]) linkTypes!: number[];
  @Field(() => String, nullable) format!: string | null;
  @Field(() => String, nullable) sha256!: string | null;
  @Field(() => [Counter]) counters!: Counter[];
  @Field(() => [String], {
    description:
      'What the pipeline set aside for this capture (dead letters), one line each: what, why, and where on the dead-letter topic. Empty when nothing was lost.',
  })
  lost!: string[];
  @Field(() => String) submittedAt!: string;
  @Field(() => String) updatedAt!: string;
}

@ObjectType()
export class Dataset {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => Int, {
    nullable: true,
    description: 'Flows older than this many days are deleted; null keeps them.',
  })
  retentionDays!: number | null;
  @Field(() => String) createdAt!: string;
}

@ObjectType()
export class LiveListener {
  @Field(() => ID) id!: string;
  @Field(() => ID) datasetId!: string;
  @Field(() => String) host!: string;
  @Field(() => Int) port!: number;
  @Field(() => String) openedAt!: string;
  @Field(() => Int, { description: 'Connections (captures) accepted so far.' }) captures!: number;
}

@ObjectType()
export class ApiToken {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => Role) role!: keyof typeof Role;
  @Field(() => [ID], { description: 'Datasets this token may see; empty means all.' }) datasetIds!: string[];
  @Field(() => String) createdAt!: string;
}

@ObjectType()
export class NewApiToken {
  @Field(() => String, { description: 'The secret, shown this once; only its hash is stored.' })
  token!: string;
  @Field(() => ApiToken) info!: ApiToken;
}

@ObjectType()
export class Me {
  @Field(() => ID) tokenId!: string;
  @Field(() => String) name!: string;
  @Field(() => Role) role!: keyof typeof Role;
  @Field(() => [ID]) datasetIds!: string[];
}

@ObjectType()
export class Flow {
  @Field(() => ID) id!: string;
  @Field(() => ID) captureId!: string;
  @Field(() => Boolean, { description: 'false while the flow is still active (a live capture).' })
  final!: boolean;
  @Field(() => String) firstSeen!: string;
  @Field(() => String) lastSeen!: string;
  @Field(() => Float) duration!: number;
  @Field(() => Int) ipVersion!: number;
  @Field(() => Int) ipProto!: number;
  @Field(() => String, { description: 'tcp, udp, icmp, ... or the protocol number.' }) protocol!: string;
  @Field(() => String) srcIp!: string;
  @Field(() => Int, nullable) srcPort!: number | null;
  @Field(() => String) dstIp!: string;
  @Field(() => Int, nullable) dstPort!: number | null;
  @Field(() => Long) packetsSrc!: number;
  @Field(() => Long) packetsDst!: number;
  @Field(() => Long) bytesSrc!: number;
  @Field(() => Long) bytesDst!: number;
  @Field(() => Long) payloadBytesSrc!: number;
  @Field(() => Long) payloadBytesDst!: number;
  @Field(() => String) app!: string;
  @Field(() => String, nullable) serverName!: string | null;
  @Field(() => String, nullable) tlsVersion!: string | null;
  @Field(() => String, nullable) alpn!: string | null;
  @Field(() => String, nullable) quicVersion!: string | null;
  @Field(() => String, nullable) tcpState!: string | null;
  @Field(() => String, nullable) tcpFlagsSrc!: string | null;
  @Field(() => String, nullable) tcpFlagsDst!: string | null;
  @Field(() => String, nullable) tunnel!: string | null;
  @Field(() => String) srcScope!: string;
  @Field(() => String) dstScope!: string;
  @Field(() => String, nullable) srcCountry!: string | null;
  @Field(() => String, nullable) dstCountry!: string | null;
  @Field(() => String, nullable) srcCity!: string | null;
  @Field(() => String, nullable) dstCity!: string | null;
  @Field(() => Float, nullable) srcLat!: number | null;
  @Field(() => Float, nullable) srcLon!: number | null;
  @Field(() => Float, nullable) dstLat!: number | null;
  @Field(() => Float, nullable) dstLon!: number | null;
  @Field(() => Int, nullable) srcAsn!: number | null;
  @Field(() => Int, nullable) dstAsn!: number | null;
  @Field(() => String, nullable) srcAsOrg!: string | null;
  @Field(() => String, nullable) dstAsOrg!: string | null;
}

@ObjectType()
export class PageInfo {
  @Field(() => Boolean) hasNextPage!: boolean;
  @Field(() => String, nullable) endCursor!: string | null;
}

@ObjectType()
export class FlowEdge {
  @Field(() => String) cursor!: string;
  @Field(() => Flow) node!: Flow;
}

@ObjectType()
export class FlowConnection {
  @Field(() => [FlowEdge]) edges!: FlowEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

@ObjectType()
export class ProtocolStat {
  @Field(() => String) app!: string;
  @Field(() => Long) flows!: number;
  @Field(() => Long) packets!: number;
  @Field(() => Long) bytes!: number;
}

@ObjectType()
export class CountryStat {
  @Field(() => String, { description: 'ISO 3166-1 alpha-2.' }) country!: string;
  @Field(() => Long) flows!: number;
  @Field(() => Long, { description: 'Bytes sent by the addresses in this country.' }) bytesSent!: number;
  @Field(() => Long) bytesReceived!: number;
}

@ObjectType()
export class CityStat {
  @Field(() => String) country!: string;
  @Field(() => String) city!: string;
  @Field(() => Float, nullable) lat!: number | null;
  @Field(() => Float, nullable) lon!: number | null;
  @Field(() => Long) flows!: number;
  @Field(() => Long) bytesSent!: number;
  @Field(() => Long) bytesReceived!: number;
}

@ObjectType()
export class Overview {
  @Field(() => Long) flows!: number;
  @Field(() => Long) packets!: number;
  @Field(() => Long) bytes!: number;
  @Field(() => Long) bytesSrc!: number;
  @Field(() => Long) bytesDst!: number;
  @Field(() => Long, { description: 'Distinct addresses (exact up to 65,536; approximate above).' })
  uniqueIps!: number;
  @Field(() => Int) captures!: number;
  @Field(() => String, nullable) firstSeen!: string | null;
  @Field(() => String, nullable) lastSeen!: string | null;
}

@ObjectType()
export class Talker {
  @Field(() => String) ip!: string;
  @Field(() => Long) flows!: number;
  @Field(() => Long) packets!: number;
  @Field(() => Long) bytesSent!: number;
  @Field(() => Long) bytesReceived!: number;
  @Field(() => String, nullable) country!: string | null;
  @Field(() => Int, nullable) asn!: number | null;
  @Field(() => String, nullable) asOrg!: string | null;
  @Field(() => String, { nullable: true, description: 'A name learned from DNS, TLS or HTTP, when known.' })
  name!: string | null;
}

@ObjectType()
export class SankeyLink {
  @Field(() => String) source!: string;
  @Field(() => String) target!: string;
  @Field(() => Long) flows!: number;
  @Field(() => Long) bytes!: number;
}

@ObjectType()
export class AppCount {
  @Field(() => String) app!: string;
  @Field(() => Long) flows!: number;
}

@ObjectType()
export class DurationBucket {
  @Field(() => String, { description: '1s, 2s, 5s, 10s, 30s, 1m, 2m, 3m, 10m, 30m, 1h, more.' })
  label!: string;
  @Field(() => Float, { nullable: true, description: 'Upper bound in seconds; null for the last bucket.' })
  maxSeconds!: number | null;
  @Field(() => Long) flows!: number;
  @Field(() => [AppCount]) byApp!: AppCount[];
}

@ObjectType()
export class PortRangeCount {
  @Field(() => String) label!: string;
  @Field(() => Int) from!: number;
  @Field(() => Int) to!: number;
  @Field(() => Long) flows!: number;
  @Field(() => Long) bytes!: number;
}

@ObjectType()
export class TimelinePoint {
  @Field(() => String, { description: 'Start of the step (ISO-8601 UTC).' }) t!: string;
  @Field(() => Long) flows!: number;
  @Field(() => Long) packets!: number;
  @Field(() => Long) bytes!: number;
  @Field(() => Long) bytesSrc!: number;
  @Field(() => Long) bytesDst!: number;
}

@ObjectType()
export class Timeline {
  @Field(() => Int, { description: 'Step in seconds (chosen automatically unless given).' }) step!: number;
  @Field(() => [TimelinePoint]) points!: TimelinePoint[];
}

@ObjectType()
export class DayHourCell {
  @Field(() => String, { description: 'YYYY-MM-DD (UTC).' }) day!: string;
  @Field(() => Int) hour!: number;
  @Field(() => Long) flows!: number;
  @Field(() => Long) bytes!: number;
}

@ObjectType()
export class HourCount {
  @Field(() => Int) hour!: number;
  @Field(() => Long) flows!: number;
}

@ObjectType()
export class IpProfile {
  @Field(() => String) ip!: string;
  @Field(() => String, nullable) firstSeen!: string | null;
  @Field(() => String, nullable) lastSeen!: string | null;
  @Field(() => Long) flows!: number;
  @Field(() => Long) bytesSent!: number;
  @Field(() => Long) bytesReceived!: number;
  @Field(() => String, nullable) country!: string | null;
  @Field(() => String, nullable) city!: string | null;
  @Field(() => Int, nullable) asn!: number | null;
  @Field(() => String, nullable) asOrg!: string | null;
  @Field(() => [String]) names!: string[];
  @Field(() => [Talker]) peers!: Talker[];
  @Field(() => [ProtocolStat]) protocols!: ProtocolStat[];
  @Field(() => [CountryStat]) countries!: CountryStat[];
  @Field(() => [HourCount]) hours!: HourCount[];
}

@ObjectType()
export class CompareRow {
  @Field(() => String) key!: string;
  @Field(() => Long) a!: number;
  @Field(() => Long) b!: number;
}

@ObjectType()
export class Comparison {
  @Field(() => [CompareRow]) protocols!: CompareRow[];
  @Field(() => [CompareRow]) countries!: CompareRow[];
  @Field(() => [CompareRow]) talkers!: CompareRow[];
  @Field(() => [String], { description: 'Addresses seen in B and not in A.' }) appeared!: string[];
  @Field(() => [String], { description: 'Addresses seen in A and not in B.' }) vanished!: string[];
}

@ObjectType()
export class FlowsLanded {
  @Field(() => ID) captureId!: string;
  @Field(() => ID) datasetId!: string;
  @Field(() => Long, { description: 'Flow records of the capture stored so far.' }) flows!: number;
  @Field(() => String) at!: string;
}

@InputType({ description: 'An inclusive range; a missing end is open.' })
export class IntRange {
  @Field(() => Int, nullable) min?: number | null;
  @Field(() => Int, nullable) max?: number | null;
}

@InputType()
export class LongRange {
  @Field(() => Long, nullable) min?: number | null;
  @Field(() => Long, nullable) max?: number | null;
}

@InputType()
export class FloatRange {
  @Field(() => Float, nullable) min?: number | null;
  @Field(() => Float, nullable) max?: number | null;
}

@InputType({
  description: 'Every field narrows the flows (AND); `and`/`or` hold nested groups. Lists match any value.',
})
export class FlowFilter {
  @Field(() => [ID], nullable) datasetIds?: string[] | null;
  @Field(() => [ID], nullable) captureIds?: string[] | null;
  @Field(() => String, { nullable: true, description: 'Flows active at or after this time (ISO-8601).' })
  from?: string | null;
  @Field(() => String, { nullable: true, description: 'Flows that started before this time (ISO-8601).' })
  to?: string | null;
  @Field(() => String, { nullable: true, description: 'An address or CIDR (v4 or v6) on either end.' })
  ip?: string | null;
  @Field(() => String, nullable) srcIp?: string | null;
  @Field(() => String, nullable) dstIp?: string | null;
  @Field(() => IntRange, { nullable: true, description: 'A port (min = max) or range on either end.' })
  port?: IntRange | null;
  @Field(() => IntRange, nullable) srcPort?: IntRange | null;
  @Field(() => IntRange, nullable) dstPort?: IntRange | null;
  @Field(() => [Int], nullable) ipProtos?: number[] | null;
  @Field(() => [String], nullable) apps?: string[] | null;
  @Field(() => [String], { nullable: true, description: 'Countries (ISO alpha-2) on either end.' })
  countries?: string[] | null;
  @Field(() => [String], nullable) srcCountries?: string[] | null;
  @Field(() => [String], nullable) dstCountries?: string[] | null;
  @Field(() => [Long], { nullable: true, description: 'AS numbers on either end.' }) asns?: number[] | null;
  @Field(() => String, { nullable: true, description: 'Case-insensitive substring of the server name.' })
  serverName?: string | null;
  @Field(() => LongRange, nullable) bytes?: LongRange | null;
  @Field(() => LongRange, nullable) bytesSrc?: LongRange | null;
  @Field(() => LongRange, nullable) bytesDst?: LongRange | null;
  @Field(() => LongRange, nullable) packets?: LongRange | null;
  @Field(() => LongRange, nullable) packetsSrc?: LongRange | null;
  @Field(() => LongRange, nullable) packetsDst?: LongRange | null;
  @Field(() => FloatRange, { nullable: true, description: 'Seconds.' }) duration?: FloatRange | null;
  @Field(() => [String], nullable) tcpStates?: string[] | null;
  @Field(() => [FlowFilter], nullable) and?: FlowFilter[] | null;
  @Field(() => [FlowFilter], nullable) or?: FlowFilter[] | null;
}

@InputType()
export class FlowOrder {
  @Field(() => FlowOrderField) field!: string;
  @Field(() => OrderDirection, { defaultValue: 'DESC' }) direction!: keyof typeof OrderDirection;
}

@InputType()
export class SubmitCaptureInput {
  @Field(() => String, { description: 'An http(s) URL or an Azure Blob URL with a SAS token.' }) url!: string;
  @Field(() => String, nullable) name?: string | null;
  @Field(() => ID, nullable) datasetId?: string | null;
}

@InputType()
export class DatasetInput {
  @Field(() => String) name!: string;
  @Field(() => Int, nullable) retentionDays?: number | null;
}

@InputType()
export class DatasetUpdate {
  @Field(() => String, nullable) name?: string | null;
  @Field(() => Int, { nullable: true, description: '0 clears the retention.' }) retentionDays?: number | null;
}

@InputType()
export class NewApiTokenInput {
  @Field(() => String) name!: string;
  @Field(() => Role) role!: keyof typeof Role;
  @Field(() => [ID], nullable) datasetIds?: string[] | null;
}
