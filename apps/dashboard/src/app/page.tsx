'use client';
import { Suspense } from 'react';
import { Dashboard } from '../features/app/Dashboard.tsx';
import { AuthGate } from '../features/auth/AuthGate.tsx';

// A static page: everything is fetched in the browser (Apollo Client), so `next build` exports
// plain files that the API serves at `/`.
export default function Page() {
  return (
    <Suspense fallback={<div className="boot" aria-busy="true" />}>
      <AuthGate>
        <Dashboard />
      </AuthGate>
    </Suspense>
  );
}
