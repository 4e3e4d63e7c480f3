// The pages anyone can see without signing in, at desktop width and at 320 CSS pixels (the
// `desktop` and `mobile` projects): the right page with the right headings, no WCAG 2.2 AA
// problems axe-core can find, no sideways scrolling, and a skip link that works.
import { expect, test } from '@playwright/test';

import { checkA11y } from '../support/a11y';
import { LA_NAME } from '../support/server';

const PAGES = [
  {
    name: 'start',
    path: '/',
    status: 200,
    title: 'Education, health and care plans',
    h1: 'Education, health and care plans',
    h2: ['Before you start'],
  },
  {
    name: 'cookies',
    path: '/cookies',
    status: 200,
    title: 'Cookies',
    h1: 'Cookies',
    h2: ['Strictly necessary cookies'],
  },
  {
    name: 'accessibility',
    path: '/accessibility',
    status: 200,
    title: 'Accessibility statement',
    h1: 'Accessibility statement for Waymark',
    h2: ['How accessible this service is', 'Reporting accessibility problems with this service'],
  },
  {
    name: 'not-found',
    path: '/no-such-page',
    status: 404,
    title: 'Page not found',
    h1: 'Page not found',
    h2: [],
  },
];

for (const p of PAGES) {
  test(`${p.name} page (${p.path}) has its headings, reflows and passes axe`, async ({ page }) => {
    const response = await page.goto(p.path);
    expect(response?.status()).toBe(p.status);

    await expect(page).toHaveTitle(`${p.title} – Waymark – ${LA_NAME}`);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(p.h1);
    for (const h2 of p.h2) {
      await expect(page.getByRole('heading', { level: 2, name: h2 })).toBeVisible();
    }
    // The header says whose service this is; the footer links to the statutory pages.
    await expect(page.getByRole('banner').getByRole('link', { name: LA_NAME })).toBeVisible();
    const footer = page.getByRole('contentinfo');
    await expect(footer.getByRole('link', { name: 'Cookies' })).toHaveAttribute('href', '/cookies');
    await expect(footer.getByRole('link', { name: 'Accessibility statement' })).toHaveAttribute(
      'href',
      '/accessibility',
    );

    // WCAG 1.4.10 reflow: nothing wider than the viewport, so no scrolling sideways at 320px.
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow, 'the page is wider than the viewport').toBeLessThanOrEqual(0);

    await checkA11y(page, p.name);
  });
}

test('the start page leads to sign-in', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('button', { name: 'Sign in' })).toHaveAttribute('href', '/sign-in');
});

test('the skip link is the first thing Tab reaches and moves focus to the main content', async ({
  page,
}) => {
  await page.goto('/');
  const skip = page.getByRole('link', { name: 'Skip to main content' });
  await expect(skip).not.toBeInViewport();

  await page.keyboard.press('Tab');
  await expect(skip).toBeFocused();
  // Hidden until focused, then shown at the top of the page (WCAG 2.4.1, 2.4.7).
  await expect(skip).toBeInViewport();
  await checkA11y(page, 'skip-link-focused');

  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#main-content$/);
  await expect(page.locator('main#main-content')).toBeFocused();
  // Focus has really moved: the next Tab goes to the first control inside main, not to the
  // header.
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeFocused();
});
