import { readFileSync } from 'node:fs'
import t from 'tap'
import { ConfigSchema, loadConfig } from '../src/config.js'

const keys = Object.keys(ConfigSchema.properties)

t.test('.env.example documents every configuration key', async (t) => {
  const text = readFileSync('.env.example', 'utf8')
  for (const key of keys) t.match(text, new RegExp(`^${key}=`, 'm'), `.env.example has a line for ${key}`)
})

t.test('the README configuration table lists every key', async (t) => {
  const text = readFileSync('README.md', 'utf8')
  for (const key of keys) t.match(text, new RegExp('`' + key + '`'), `the README mentions ${key}`)
})

t.test('.env.example, as a user copies it, is a valid configuration', async (t) => {
  const env: Record<string, string> = {}
  for (const line of readFileSync('.env.example', 'utf8').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line)
    if (m) env[m[1]!] = m[2]!
  }
  const config = loadConfig(env)
  t.equal(config.PORT, 8000, 'the example keeps the default port')
  t.same(config.AUTH_METHODS.length, 6, 'the example enables all six methods')
})
