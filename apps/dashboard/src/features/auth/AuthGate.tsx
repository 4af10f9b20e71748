'use client';
import { type ReactNode, useCallback, useEffect, useMemo, useState } from 'react';
import { ApolloRoot } from '../apollo/ApolloRoot.tsx';
import { AuthContext } from './AuthContext.tsx';
import { SignInForm } from './SignInForm.tsx';
import { clearToken, loadToken, saveToken } from './token.ts';

/** Renders its children only with a token; otherwise the sign-in form. */
export function AuthGate({ children }: { children: ReactNode }) {
  const [state, setState] = useState<{ token: string | null; reason?: string; ready: boolean }>({
    token: null,
    ready: false,
  });

  useEffect(() => {
    setState({ token: loadToken(), ready: true });
  }, []);

  const signOut = useCallback((reason?: string) => {
    clearToken();
    setState({ token: null, reason, ready: true });
  }, []);

  const onToken = useCallback((token: string) => {
    saveToken(token);
    setState({ token, ready: true });
  }, []);

  const auth = useMemo(() => (state.token ? { token: state.token, signOut } : null), [state.token, signOut]);

  if (!state.ready) return <div className="boot" aria-busy="true" />;
  if (!auth) return <SignInForm reason={state.reason} onToken={onToken} />;
  return (
    <AuthContext.Provider value={auth}>
      <ApolloRoot token={auth.token} onUnauthenticated={signOut}>
        {children}
      </ApolloRoot>
    </AuthContext.Provider>
  );
}
