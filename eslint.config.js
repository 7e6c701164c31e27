// Lint rules: neostandard (the style Fastify's own packages use), with TypeScript support.
import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['dist/**', 'node_modules/**', 'bench/results/**', 'data/**', '.tap/**'] }),
  {
    rules: {
      // `void promise` marks a deliberately unawaited call.
      'no-void': ['error', { allowAsStatement: true }],
      // `const X = {…} as const` with `type X = …` is the one-table pattern for codes.
      '@typescript-eslint/no-redeclare': 'off',
      'no-redeclare': 'off',
      // Parsers reject control characters in credentials on purpose.
      'no-control-regex': 'off'
    }
  }
]
