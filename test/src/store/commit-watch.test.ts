// The user cache's notice of commits made elsewhere: from the kernel (inotify on the WAL file) on Linux,
// where wsgate runs and is tested, from SQLite's data_version otherwise. Real files, a real SQLite
// database, and a real second process.
import { execFile } from 'node:child_process'
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import t, { type Test } from 'tap'
import { watchCommits } from '../../../src/store/commit-watch.js'
import { requestLater } from '../../support/later-request.js'
import { ROOT } from '../../support/spawn.js'

const run = promisify(execFile)

function walDatabase (t: Test) {
  const dir = mkdtempSync(join(tmpdir(), 'wsgate-commits-'))
  const file = join(dir, 'db.sqlite')
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.exec('CREATE TABLE users (name TEXT PRIMARY KEY)')
  let asked = 0
  const dataVersion = () => { asked++; return db.pragma('data_version', { simple: true }) as number }
  const watch = watchCommits(`${file}-wal`, dataVersion)
  t.teardown(() => {
    watch.close()
    db.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return { file, watch, asked: () => asked }
}

/** Commits one row from a separate Node process, as the CLI does, and resolves once it has exited. */
const commitFromAnotherProcess = (file: string, name: string) => run(process.execPath, ['-e',
  `const db = require('better-sqlite3')(${JSON.stringify(file)}); db.prepare('INSERT INTO users VALUES (?)').run(${JSON.stringify(name)}); db.close()`
], { cwd: ROOT })

t.test('a commit by another process is noticed before the next event is handled, without asking SQLite', async (t) => {
  const { file, watch, asked } = walDatabase(t)
  t.equal(watch.changed(), true, 'the first question answers true (nothing is known yet)')
  t.equal(watch.changed(), false, 'then false while nothing happens')
  await commitFromAnotherProcess(file, 'alice')
  t.equal(watch.changed(), true, 'the other process\'s commit is noticed once it has exited')
  t.equal(watch.changed(), false, 'and reported once')
  await commitFromAnotherProcess(file, 'bob')
  t.equal(watch.changed(), true, 'a second commit is noticed too')
  t.equal(asked(), 0, 'SQLite was never asked: the kernel told')
})

t.test('a commit by another connection in this process is noticed before a request sent after it', async (t) => {
  const { file, watch } = walDatabase(t)
  const request = await requestLater(t)
  watch.changed()
  const other = new Database(file)
  t.teardown(() => other.close())
  other.prepare('INSERT INTO users VALUES (?)').run('carol')
  t.equal(watch.changed(), false, 'not within the same tick: the kernel\'s notice is read by the event loop')
  await request()
  t.equal(watch.changed(), true, 'noticed by the time a request sent after the commit is accepted')
  t.equal(watch.changed(), false, 'and only once')
})

t.test('without a file to watch, every question asks SQLite', async (t) => {
  let version = 7
  let asked = 0
  const watch = watchCommits(join(tmpdir(), 'wsgate-no-such-dir', 'db-wal'), () => { asked++; return version })
  t.teardown(() => watch.close())
  t.equal(watch.changed(), true, 'the first answer is true')
  t.equal(watch.changed(), false, 'the same version: nothing changed')
  version = 8
  t.equal(watch.changed(), true, 'a new version: changed')
  t.equal(asked, 3, 'each question asked SQLite once')
})

t.test('when the watched file is renamed away, questions go to SQLite from then on', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wsgate-commits-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const wal = join(dir, 'db-wal')
  writeFileSync(wal, 'x')
  let version = 1
  let asked = 0
  const watch = watchCommits(wal, () => { asked++; return version })
  t.teardown(() => watch.close())
  watch.changed()
  t.equal(watch.changed(), false, 'watched: nothing changed')
  t.equal(asked, 0, 'SQLite is not asked while the watch stands')
  renameSync(wal, join(dir, 'elsewhere'))
  await delay(50)
  t.equal(watch.changed(), true, 'after the rename the first answer is true')
  t.equal(watch.changed(), false, 'the same version: nothing changed')
  version = 2
  t.equal(watch.changed(), true, 'a new version is seen')
  t.equal(asked, 3, 'every question since the rename asked SQLite')
})
