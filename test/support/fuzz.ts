// Shared settings and inputs for the property-based fuzzing in test/fuzz: a short campaign under
// `npm test`, a long one under `npm run fuzz` (FUZZ_RUNS=1000000), reproducible with FUZZ_SEED.
import fc from 'fast-check'

/** fast-check parameters: FUZZ_RUNS (else `short`) runs, FUZZ_SEED when set. */
export function fuzzParams<T> (short = 2000): fc.Parameters<T> {
  const runs = Number(process.env.FUZZ_RUNS)
  const seed = Number(process.env.FUZZ_SEED)
  return {
    numRuns: Number.isInteger(runs) && runs > 0 ? runs : short,
    ...(Number.isInteger(seed) ? { seed } : {})
  }
}

/** Characters a token may contain. */
export const TOKEN_RE = /^[A-Za-z0-9._~+/=-]+$/

/** A string a token extractor must accept as is. */
export const tokenArb = fc.stringMatching(/^[A-Za-z0-9._~+/=-]{1,300}$/)

/** Any text at all: every UTF-16 unit, lone surrogates included. */
export const anyText = (maxLength = 300) => fc.string({ unit: 'binary', maxLength })

/** Text made mostly of the characters the parsers split on, so the odd paths are taken often. */
export const trickyText = (maxLength = 120) => fc.string({
  unit: fc.constantFrom(...'=;,&:"% +/\\\t\r\n\u0000\u00ff\ufeffaAzZ09.-_~{}[]'.split(''), 'token', 'wsgate.bearer.', 'wsgate_token', 'Basic ', 'Bearer ', '%E0%A4%A', '%00'),
  maxLength
})

export const fuzzText = (maxLength?: number) => fc.oneof(anyText(maxLength), trickyText(maxLength))
