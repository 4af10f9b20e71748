import type { PubSub } from 'mercurius';
import type { Principal } from '../auth.ts';

/** What every resolver gets: who is asking (checked lazily, once), and the subscription hub. */
export interface GqlContext {
  principal: () => Promise<Principal>;
  pubsub: PubSub;
}

/** Topics published on the subscription hub. */
export const TOPIC = {
  capture: (id: string) => `capture.${id}`,
  captures: 'captures',
  landed: 'flows-landed',
} as const;
