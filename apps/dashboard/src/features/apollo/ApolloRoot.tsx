'use client';
import { ApolloProvider } from '@apollo/client/react';
import { type ReactNode, useEffect, useMemo } from 'react';
import { createApolloClient } from './client.ts';

/** One Apollo client per token; stopped (sockets closed) when the token changes. */
export function ApolloRoot({
  token,
  onUnauthenticated,
  children,
}: {
  token: string;
  onUnauthenticated: (reason: string) => void;
  children: ReactNode;
}) {
  const client = useMemo(() => createApolloClient({ token, onUnauthenticated }), [token, onUnauthenticated]);
  useEffect(() => () => client.stop(), [client]);
  return <ApolloProvider client={client}>{children}</ApolloProvider>;
}
