'use client';
import { createContext, useContext } from 'react';

export interface Auth {
  token: string;
  /** Forgets the token and shows the sign-in form (with a reason, if any). */
  signOut: (reason?: string) => void;
}

export const AuthContext = createContext<Auth | null>(null);

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth outside AuthGate');
  return auth;
}
