/**
 * Topic names carry the wire-format version: a format change gets a new topic, so old consumers
 * never read what they cannot decode.
 */
export const TOPICS = {
  jobs: 'capstream.jobs.v1',
  segments: 'capstream.segments.v1',
  flows: 'capstream.flows.v3',
  dns: 'capstream.dns.v2',
  events: 'capstream.events.v1',
  deadLetter: 'capstream.dead-letter.v1',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];
