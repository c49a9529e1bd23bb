/**
 * The compute backends fer-run knows, in `auto`'s order of preference: the one list every other
 * place reads (backend selection, the manifest schema's enum, the CLI's --backend choices, the
 * report's search for finished runs).
 */
export const BACKENDS = ['tensorflow', 'native', 'wasm', 'cpu'] as const;

export type BackendName = (typeof BACKENDS)[number];

/** What a manifest or --backend may say: a backend, or auto (the first of BACKENDS that loads). */
export const BACKEND_CHOICES = ['auto', ...BACKENDS] as const;

export type BackendChoice = (typeof BACKEND_CHOICES)[number];
