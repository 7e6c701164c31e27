// The user store as `fastify.users` (SQLite, or PostgreSQL with DATABASE_URL), and the first-start admin.
import { randomBytes } from 'node:crypto'
import fp from 'fastify-plugin'
import { hashPassword } from '../src/auth/password.js'
import { openUserStore } from '../src/store/open.js'
import { DuplicateUserError, type UserStore } from '../src/store/users.js'

declare module 'fastify' {
  interface FastifyInstance { users: UserStore }
}

export default fp(async (fastify) => {
  const { config } = fastify
  const users = await openUserStore(config)
  fastify.decorate('users', users)
  fastify.addHook('onClose', async () => { await users.close() })

  if (await users.count() > 0) return
  const password = config.ADMIN_PASSWORD ?? randomBytes(18).toString('base64url')
  try {
    await users.add({ name: 'admin', role: 'admin', passwordHash: await hashPassword(password) })
  } catch (err) {
    if (err instanceof DuplicateUserError) return
    throw err
  }
  if (config.ADMIN_PASSWORD) {
    fastify.log.info('created user "admin" with ADMIN_PASSWORD')
  } else {
    // Printed to the console once, on purpose, and never through the logger.
    process.stdout.write(`\nwsgate: created user "admin" with password: ${password}\n` +
      'wsgate: it is shown only this once; change it with `npx wsgate users passwd admin`\n\n')
  }
}, { name: 'users', fastify: '5.x', dependencies: ['config'] })
