// Signing in and out through the pages, as a person would. The contract the sign-in page
// keeps (crates/web/src/routes/sign_in.rs): a form with fields named `email` and `password`,
// a "Sign in" button, errors in a GOV.UK error summary (`.govuk-error-summary`), and, once
// signed in, a "Sign out" button in the service navigation (a POST to /sign-out).
import { expect, type Locator, type Page } from '@playwright/test';

import type { TestUser } from './users';

/** Fills in and sends the sign-in form; does not check the outcome. */
export async function submitSignIn(page: Page, email: string, password: string): Promise<void> {
  if (!new URL(page.url(), 'http://x').pathname.startsWith('/sign-in')) {
    await page.goto('/sign-in');
  }
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Signs `user` in and waits until the page shows they are signed in. */
export async function signIn(page: Page, user: TestUser): Promise<void> {
  await page.goto('/sign-in');
  await submitSignIn(page, user.email, user.password);
  await expect(page).not.toHaveURL(/\/sign-in/);
  await expect(signOutControl(page)).toHaveCount(1);
}

/**
 * The "Sign out" button (a POST form in the service navigation) or link. Counted even when
 * hidden: at 320px it is behind the navigation's "Menu" button until that is opened.
 */
export function signOutControl(page: Page): Locator {
  return page
    .getByRole('button', { name: 'Sign out', includeHidden: true })
    .or(page.getByRole('link', { name: 'Sign out', includeHidden: true }));
}

/** Signs out from wherever the page is, opening the navigation menu first on a narrow screen. */
export async function signOut(page: Page): Promise<void> {
  const menu = page.getByRole('button', { name: 'Menu' });
  const control = signOutControl(page);
  if (!(await control.isVisible()) && (await menu.isVisible())) {
    await menu.click();
    await expect(menu).toHaveAttribute('aria-expanded', 'true');
  }
  await control.click();
}
