// The login page (GET /login): a plain form posting to /auth/login, so it works without JavaScript;
// the outcome of a failed try comes back as `?error=invalid|throttled` and is shown above the form.
import { MAX_PASSWORD_LENGTH } from '../auth/password.js'
import { html, page } from './html.js'

export const LOGIN_ERRORS = {
  invalid: 'Wrong username or password.',
  throttled: 'Too many attempts. Wait a minute, then try again.'
} as const
export type LoginError = keyof typeof LOGIN_ERRORS

export interface LoginPageOptions {
  error?: LoginError | undefined
  /** Where to go after signing in: a same-site path. */
  next: string
  /** The user already signed in on this browser, if any. */
  user?: string | undefined
}

export function loginPage ({ error, next, user }: LoginPageOptions): string {
  return page({
    title: 'Sign in',
    body: html`<section class="card login">
<h1>Sign in</h1>
${user ? html`<p class="muted" id="signed-in">Signed in as <b>${user}</b>. <a href="${next}">Continue</a> or sign in as someone else.</p>` : ''}
${error ? html`<p class="error" id="login-error" role="alert">${LOGIN_ERRORS[error]}</p>` : ''}
<form method="post" action="/auth/login">
<label for="username">Username</label>
<input type="text" id="username" name="username" autocomplete="username" required maxlength="64" autofocus>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required maxlength="${MAX_PASSWORD_LENGTH}">
<input type="hidden" name="next" value="${next}">
<input type="submit" value="Sign in">
</form>
</section>`
  })
}

/** Only same-site paths, so `next` cannot turn the login into an open redirect. */
export const safeNext = (next: string | undefined): string => (next && /^\/(?![/\\])/.test(next) ? next : '/')
