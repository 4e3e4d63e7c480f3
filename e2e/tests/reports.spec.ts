// The KPI dashboard (crates/web/src/routes/reports.rs) on the demo authority, at both widths,
// with axe-core on every page visited: its headline figures beside all authorities, the
// annual review figures, the SVG charts with their table, the cases behind a figure for a
// manager, a period of part months, a mistake in the dates, and a viewer who sees figures but
// no children.
//
// Two sign-ins per project (of the 50 a run may make; crates/web/src/lib.rs, AuthSettings).
import { expect, test } from '@playwright/test';

import { checkA11y } from '../support/a11y';
import { expectNoSidewaysScrolling } from '../support/forms';
import { signIn, submitSignIn } from '../support/session';
import { createUser, uniqueEmail } from '../support/users';

const PASSWORD = 'northby reports password';

test('a manager reads the figures, compares them with all authorities and opens the cases behind one', async ({
  page,
}) => {
  const project = test.info().project.name;
  const manager = createUser('manager', uniqueEmail('reports-manager', project), PASSWORD);
  await signIn(page, manager);

  await page.goto('/reports');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Performance figures');
  // The demo's plans: some issued late, some reviewed; every headline has its comparison.
  await expect(page.getByText('All authorities:').first()).toBeVisible();
  await expect(
    page.getByRole('heading', { name: 'Annual reviews and amended plans' }),
  ).toBeVisible();
  await expect(page.getByText('Annual reviews held by their due date')).toBeVisible();
  const chart = page.locator('svg[role="img"]').first();
  await expect(chart).toBeVisible();
  await expect(chart.locator('title').first()).toHaveText(/by month/);
  await page.getByText('Month by month as a table').click();
  await expect(page.getByRole('table', { name: 'Figures by month' })).toBeVisible();
  await expectNoSidewaysScrolling(page);
  await checkA11y(page, 'reports-dashboard');

  await page.getByRole('link', { name: 'Plans issued late' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Cases behind the figure');
  await expect(page.locator('a[href^="/cases/"]').first()).toBeVisible();
  await checkA11y(page, 'reports-cases');

  // A period of part months: the comparison says which whole months it covers.
  await page.goto(
    '/reports?from-day=15&from-month=1&from-year=2026&to-day=10&to-month=4&to-year=2026',
  );
  await expect(page.getByText('1 February 2026 to 31 March 2026')).toBeVisible();
  await checkA11y(page, 'reports-part-months');

  // The last day before the first: an error summary pointing at the field.
  await page.goto(
    '/reports?from-day=1&from-month=4&from-year=2026&to-day=1&to-month=3&to-year=2026',
  );
  const summary = page.locator('.govuk-error-summary');
  await expect(summary).toBeVisible();
  await expect(summary).toContainText('ends before that');
  await expect(page).toHaveTitle(/^Error: /);
  await checkA11y(page, 'reports-error');
});

test('a viewer sees the figures but no way to the children behind them', async ({ page }) => {
  const project = test.info().project.name;
  const viewer = createUser('viewer', uniqueEmail('reports-viewer', project), PASSWORD);
  // A viewer lands on their account page, which has a sign-out button of its own beside the
  // navigation's, so `signIn`'s check for one sign-out control does not fit here.
  await page.goto('/sign-in');
  await submitSignIn(page, viewer.email, viewer.password);
  await expect(page).not.toHaveURL(/\/sign-in/);
  await page.goto('/reports');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Performance figures');
  await expect(page.locator('a[href^="/reports/cases"]')).toHaveCount(0);
  await checkA11y(page, 'reports-viewer');
  const refused = await page.goto('/reports/cases?figure=open');
  expect(refused?.status()).toBe(403);
});
