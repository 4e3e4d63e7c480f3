// The API tokens page (/account/tokens, crates/web/src/routes/tokens.rs): a missing name,
// making a token (shown once), using it on the JSON API, and revoking it, at both widths, with
// axe-core on every page visited.
import { expect, test } from '@playwright/test';

import { checkA11y } from '../support/a11y';
import { signIn } from '../support/session';
import { createUser, uniqueEmail } from '../support/users';

const PASSWORD = 'correct horse battery staple';

test('a caseworker makes an API token, sees it once, uses it and revokes it', async ({
  page,
  request,
}) => {
  const user = createUser('caseworker', uniqueEmail('tokens', test.info().project.name), PASSWORD);
  await signIn(page, user);

  await page.goto('/account/tokens');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('API tokens');
  await expect(page.getByText('You have no API tokens')).toBeVisible();
  await checkA11y(page, 'api-tokens-empty');

  await page.getByRole('button', { name: 'Make token' }).click();
  const summary = page.locator('.govuk-error-summary');
  await expect(summary).toBeVisible();
  await expect(summary).toContainText('Enter a name for the token');
  await expect(page).toHaveTitle(/^Error: /);
  await checkA11y(page, 'api-tokens-error');

  await page.getByLabel('Name').fill('School MIS');
  await page.getByRole('button', { name: 'Make token' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('API token made');
  const token = (await page.locator('#token').innerText()).trim();
  expect(token).toMatch(/^wmk_[0-9a-f]{64}$/);
  await checkA11y(page, 'api-token-made');

  const me = await request.get('/api/v1/me', { headers: { Authorization: `Bearer ${token}` } });
  expect(me.status()).toBe(200);
  expect((await me.json()).email).toBe(user.email);

  await page.getByRole('link', { name: 'Back to your API tokens' }).click();
  await expect(page.getByRole('heading', { name: 'School MIS', level: 3 })).toBeVisible();
  await expect(page.getByText(token)).toHaveCount(0);
  await checkA11y(page, 'api-tokens-list');

  await page.getByRole('button', { name: 'Revoke School MIS' }).click();
  await expect(page.getByText('The token has been revoked')).toBeVisible();
  await expect(page.getByText('Revoked', { exact: true })).toBeVisible();
  await checkA11y(page, 'api-tokens-revoked');

  const refused = await request.get('/api/v1/me', {
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(refused.status()).toBe(401);
});
