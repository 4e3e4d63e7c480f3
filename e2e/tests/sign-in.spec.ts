// Signing in and out with a local account, at both widths, with axe-core on every page
// visited. Accounts are made with `waymark user add` (support/users.ts), one per test, so
// that failed attempts in one test never lock another's account.
//
// Every sign-in POST counts towards the server's limit of 50 attempts per IP address in 15
// minutes (crates/web/src/lib.rs, AuthSettings); this file makes 18 of them per run.
import { expect, test, type Page } from '@playwright/test';

import { checkA11y } from '../support/a11y';
import { signIn, signOut, signOutControl, submitSignIn } from '../support/session';
import { createUser, uniqueEmail, type TestUser } from '../support/users';

const PASSWORD = 'correct horse battery staple';

function newCaseworker(who: string): TestUser {
  return createUser('caseworker', uniqueEmail(who, test.info().project.name), PASSWORD);
}

/** The error summary: shown, focused (GOV.UK Frontend moves focus to it), and its text. */
async function errorSummary(page: Page): Promise<string> {
  const summary = page.locator('.govuk-error-summary');
  await expect(summary).toBeVisible();
  await expect(summary).toBeFocused();
  await expect(summary.getByRole('heading', { name: 'There is a problem' })).toBeVisible();
  await expect(page).toHaveTitle(/^Error: /);
  return (await summary.locator('.govuk-error-summary__list').innerText()).trim();
}

test('the sign-in page has a labelled email and password field', async ({ page }) => {
  await page.goto('/sign-in');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/sign in/i);
  await expect(page.locator('input[name="email"]')).toHaveAccessibleName(/email/i);
  await expect(page.locator('input[name="password"]')).toHaveAccessibleName(/password/i);
  await expect(page.locator('input[name="password"]')).toHaveAttribute('type', 'password');
  await checkA11y(page, 'sign-in');
});

test('a user signs in with their password, then signs out', async ({ page }) => {
  const user = newCaseworker('signs-in');
  await signIn(page, user);
  const landing = page.url();
  await checkA11y(page, 'signed-in');

  await signOut(page);
  await expect(signOutControl(page)).toHaveCount(0);
  await checkA11y(page, 'signed-out');

  // The session has really ended: the page they were on no longer shows them signed in.
  await page.goto(landing);
  await expect(signOutControl(page)).toHaveCount(0);
  await checkA11y(page, 'after-sign-out-revisit');
});

test('a wrong password shows the error summary, the same as an unknown email', async ({
  page,
}) => {
  const user = newCaseworker('wrong-password');
  await page.goto('/sign-in');
  await submitSignIn(page, user.email, 'not the right password');
  const wrongPassword = await errorSummary(page);
  expect(wrongPassword).not.toBe('');
  await expect(page).toHaveURL(/\/sign-in/);
  await expect(signOutControl(page)).toHaveCount(0);
  // The password is never sent back in the page.
  await expect(page.locator('input[name="password"]')).toHaveValue('');
  await checkA11y(page, 'sign-in-wrong-password');

  // Someone trying addresses must not learn which ones have accounts.
  await submitSignIn(page, uniqueEmail('nobody', test.info().project.name), 'not the right password');
  expect(await errorSummary(page)).toBe(wrongPassword);
});

test('five wrong passwords lock the account, even against the right one', async ({ page }) => {
  const user = newCaseworker('locked');
  await page.goto('/sign-in');
  for (let attempt = 1; attempt <= 5; attempt += 1) {
    await submitSignIn(page, user.email, `wrong password number ${attempt}`);
    await expect(page.locator('.govuk-error-summary')).toBeVisible();
  }

  await submitSignIn(page, user.email, user.password);
  const message = await errorSummary(page);
  expect(message).toMatch(/locked/i);
  await expect(signOutControl(page)).toHaveCount(0);
  await checkA11y(page, 'sign-in-locked');
});

test('a sign-in form sent without its CSRF token is refused with 403', async ({ page }) => {
  const user = newCaseworker('csrf');
  await page.goto('/sign-in');

  // The browser has the page's cookies; only the token in the form is missing.
  const res = await page.request.post('/sign-in', {
    form: { email: user.email, password: user.password },
    maxRedirects: 0,
  });
  expect(res.status()).toBe(403);

  // The same in the browser: the form without its hidden fields gets the 403 page.
  await page.locator('form:has(input[name="password"]) input[type="hidden"]').evaluateAll(
    (hidden) => hidden.forEach((input) => input.remove()),
  );
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    submitSignIn(page, user.email, user.password),
  ]);
  expect(response.status()).toBe(403);
  await expect(signOutControl(page)).toHaveCount(0);
  await checkA11y(page, 'csrf-refused');

  // Neither attempt signed them in.
  await page.goto('/');
  await expect(signOutControl(page)).toHaveCount(0);
});
