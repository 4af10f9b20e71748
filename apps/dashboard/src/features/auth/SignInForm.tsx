'use client';
import { type FormEvent, useState } from 'react';

/** Asks for an API token (shown when there is none, or the API refused the one we had). */
export function SignInForm({ reason, onToken }: { reason?: string; onToken: (token: string) => void }) {
  const [value, setValue] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (value.trim()) onToken(value.trim());
  };
  return (
    <main className="signin">
      <form onSubmit={submit} className="panel signin-form" aria-labelledby="signin-title">
        <h1 id="signin-title">Capstream</h1>
        <p>
          Paste an API token. <code>capstream up</code> prints a link that signs you in.
        </p>
        {reason ? (
          <p role="alert" className="error-text">
            {reason}
          </p>
        ) : null}
        <label htmlFor="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          // biome-ignore lint/a11y/noAutofocus: the form is the only thing on the page
          autoFocus
          value={value}
          onChange={(e) => setValue(e.target.value)}
        />
        <button type="submit" className="primary" disabled={!value.trim()}>
          Sign in
        </button>
      </form>
    </main>
  );
}
