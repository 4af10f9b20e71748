// Apollo Client over the API on the same origin: queries and mutations over HTTP (/graphql),
// subscriptions over graphql-ws (ws(s)://same host/graphql). Every request carries the token.
import {
  ApolloClient,
  ApolloLink,
  CombinedGraphQLErrors,
  HttpLink,
  InMemoryCache,
  ServerError,
} from '@apollo/client';
import { ErrorLink } from '@apollo/client/link/error';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { isSubscriptionOperation } from '@apollo/client/utilities';
import { createClient } from 'graphql-ws';

export interface ClientOptions {
  token: string;
  /** Called once when the API says the token is not (or no longer) valid. */
  onUnauthenticated: (reason: string) => void;
}

export function graphqlWsUrl(location: Location): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/graphql`;
}

const isUnauthenticated = (error: unknown): boolean => {
  if (CombinedGraphQLErrors.is(error)) {
    return error.errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED');
  }
  if (ServerError.is(error)) return error.statusCode === 401;
  return false;
};

export function createApolloClient({ token, onUnauthenticated }: ClientOptions) {
  const authorization = `Bearer ${token}`;
  let signedOut = false;
  const unauthenticated = () => {
    if (signedOut) return;
    signedOut = true;
    onUnauthenticated('The API did not accept this token. Paste a valid one.');
  };

  const http = new HttpLink({ uri: '/graphql', headers: { authorization } });
  const ws = new GraphQLWsLink(
    createClient({
      url: graphqlWsUrl(window.location),
      connectionParams: { authorization },
      lazy: true,
      retryAttempts: Number.POSITIVE_INFINITY,
      shouldRetry: () => true,
      on: {
        closed: (event) => {
          // 4401/4403: graphql-ws's codes for a refused connection
          const code = (event as { code?: number } | undefined)?.code;
          if (code === 4401 || code === 4403) unauthenticated();
        },
      },
    }),
  );
  const errors = new ErrorLink(({ error }) => {
    if (isUnauthenticated(error)) unauthenticated();
  });
  const transport = ApolloLink.split(({ query }) => isSubscriptionOperation(query), ws, http);

  return new ApolloClient({
    link: ApolloLink.from([errors, transport]),
    cache: new InMemoryCache({
      typePolicies: {
        // A flow id is unique within its capture.
        Flow: { keyFields: ['captureId', 'id'] },
        Query: {
          fields: {
            flows: {
              keyArgs: ['filter', 'orderBy'],
              merge(existing, incoming, { args }) {
                if (!args?.after || !existing) return incoming;
                return { ...incoming, edges: [...existing.edges, ...incoming.edges] };
              },
            },
          },
        },
      },
    }),
    defaultOptions: {
      watchQuery: { fetchPolicy: 'cache-and-network', nextFetchPolicy: 'cache-first' },
    },
  });
}
