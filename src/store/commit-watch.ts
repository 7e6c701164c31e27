// Whether another process (the CLI) may have committed to the user database since we last asked.
// Every commit in WAL mode writes the `-wal` file, and the kernel queues an inotify event for it
// during that write. The event loop reads that event before it reads any request sent after the
// commit, so a request never sees an older user than the one the CLI left. Asking costs nothing.
// Where no watch can be set (not Linux, no inotify, no WAL file yet) or the file is replaced, every
// question goes to SQLite instead (`PRAGMA data_version`: a read transaction, two lock calls).
import { watch, type FSWatcher } from 'node:fs'

export interface CommitWatch {
  /** True when another connection may have committed since the previous call (and on the first). */
  changed (): boolean
  close (): void
}

export function watchCommits (walFile: string, dataVersion: () => number): CommitWatch {
  let lastVersion = -1
  const versionChanged = (): boolean => {
    const version = dataVersion()
    if (version === lastVersion) return false
    lastVersion = version
    return true
  }

  let seen = true
  let watcher: FSWatcher | undefined
  const stopWatching = () => {
    watcher?.close()
    watcher = undefined
  }
  if (process.platform === 'linux') {
    try {
      watcher = watch(walFile, { persistent: false }, (event) => {
        seen = true
        // Renamed or deleted: the watch follows a file SQLite no longer uses.
        if (event === 'rename') stopWatching()
      })
      watcher.on('error', stopWatching)
    } catch {
      watcher = undefined
    }
  }

  return {
    changed () {
      // Never asked while watching, so the first question after the watch ends answers true.
      if (watcher === undefined) return versionChanged()
      if (!seen) return false
      seen = false
      return true
    },
    close: stopWatching
  }
}
