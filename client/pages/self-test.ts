// The self-test page's script (/client/self-test.js): runs each enabled method once, in turn, through the
// SDK against the gateway, fills in its row (passed, or failed with the reason and a hint), and offers the
// whole run as JSON ("copy diagnostics"). `document.body.dataset.selftest` is `done` when a run ends.
import { fetchToken, gatewayUrl, tryConnect, type BrowserMethod, type ConnectFailure, type Method } from '../wsgate.js'
import { browserOf, diagnose, isCrossSite, type Failure } from '../lib/diagnose.js'

interface PageData {
  user: string
  gateway: string
  pageOrigin: string
  pageOriginAllowed: boolean
  methods: Method[]
  tokenTtl: number
  authTimeout: number
}

type Status = 'passed' | 'failed' | 'n/a'
interface Result { method: Method, status: Status, reason: string, hint: string, ms: number, close?: number }

const data = JSON.parse(document.getElementById('page-data')?.textContent ?? '{}') as PageData
const browser = browserOf(navigator.userAgent)
const pageOrigin = location.origin
const crossSite = isCrossSite(pageOrigin, data.gateway)
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T
let results: Result[] = []

function show (result: Result): void {
  const row = document.querySelector<HTMLTableRowElement>(`tr[data-method="${result.method}"]`)
  if (!row) return
  row.dataset.status = result.status
  const [, status, reason, hint] = row.cells
  status!.textContent = result.status
  status!.className = `status ${result.status === 'passed' ? 'ok' : result.status === 'failed' ? 'bad' : 'muted'}`
  reason!.textContent = result.reason
  hint!.textContent = result.hint
}

async function runOne (method: Method): Promise<Result> {
  const started = performance.now()
  const ctx = { method, browser, crossSite, pageOrigin, pageOriginAllowed: data.pageOriginAllowed, tokenTtl: data.tokenTtl, authTimeout: data.authTimeout }
  const done = (status: Status, reason: string, hint: string, close?: number): Result =>
    ({ method, status, reason, hint, ms: Math.round(performance.now() - started), ...(close === undefined ? {} : { close }) })
  if (method === 'bearer') {
    const { reason, hint } = diagnose({ stage: 'handshake', errors: [], close: undefined }, ctx)
    return done('n/a', reason, hint)
  }
  let tokenStatus: number | undefined
  const getToken = () => fetchToken('/auth/token').catch((err: Error & { status?: number }) => {
    tokenStatus = err.status
    throw err
  })
  try {
    const { client, hello } = await tryConnect({ url: data.gateway, method: method as BrowserMethod, getToken }, (data.authTimeout + 5) * 1000)
    client.close()
    return done('passed', `hello as ${hello.user} via ${hello.method}`, '')
  } catch (err) {
    const failure = err as ConnectFailure
    const input: Failure = { stage: failure.stage, errors: failure.errors ?? [], close: failure.close, ...(tokenStatus === undefined ? {} : { status: tokenStatus }) }
    const { reason, hint } = diagnose(input, ctx)
    return done('failed', reason, hint, failure.close?.code)
  }
}

function diagnostics (): string {
  return JSON.stringify({
    date: new Date().toISOString(),
    userAgent: navigator.userAgent,
    page: pageOrigin,
    gateway: gatewayUrl(data.gateway).href,
    crossSite,
    user: data.user,
    results
  }, null, 2)
}

async function run (): Promise<void> {
  document.body.dataset.selftest = 'running'
  $<HTMLButtonElement>('rerun').disabled = true
  $<HTMLButtonElement>('copy').disabled = true
  results = []
  for (const row of document.querySelectorAll<HTMLTableRowElement>('tr[data-method]')) {
    row.dataset.status = 'pending'
    row.cells[1]!.textContent = 'pending'
    row.cells[1]!.className = 'status muted'
    row.cells[2]!.textContent = ''
    row.cells[3]!.textContent = ''
  }
  $('summary').textContent = `Running ${data.methods.length} methods (${crossSite ? 'cross-site' : pageOrigin === data.gateway ? 'same origin' : 'same-site, cross-origin'})…`
  for (const method of data.methods) {
    const result = await runOne(method)
    results.push(result)
    show(result)
  }
  const passed = results.filter((r) => r.status === 'passed').length
  const failed = results.filter((r) => r.status === 'failed').length
  $('summary').textContent = `${passed} passed, ${failed} failed from ${pageOrigin} to ${data.gateway} (${crossSite ? 'cross-site' : 'same-site'}), ${browser}.`
  $('diagnostics').textContent = diagnostics()
  $<HTMLButtonElement>('rerun').disabled = false
  $<HTMLButtonElement>('copy').disabled = false
  document.body.dataset.selftest = 'done'
}

async function copy (): Promise<void> {
  const text = diagnostics()
  try {
    await navigator.clipboard.writeText(text)
  } catch {
    // No clipboard permission (e.g. plain http on another host): select the text for a manual copy.
    const pre = $('diagnostics')
    pre.textContent = text
    pre.closest('details')?.setAttribute('open', '')
    getSelection()?.selectAllChildren(pre)
    document.execCommand('copy')
  }
  $('copied').textContent = 'copied'
}

$('rerun').addEventListener('click', () => { void run() })
$('copy').addEventListener('click', () => { void copy() })
$('logout').addEventListener('click', () => {
  void fetch('/auth/logout', { method: 'POST', credentials: 'same-origin' }).finally(() => { location.href = '/login' })
})
void run()
