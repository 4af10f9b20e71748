/** Nest injection tokens for what the API is given (not classes Nest can construct). */
export const BACKEND = Symbol('ApiBackend');
export const CONFIG = Symbol('ApiConfig');
export const AUTH = Symbol('Authenticator');
