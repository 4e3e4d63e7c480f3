// Filling in and sending Waymark's GOV.UK forms, and reading what came back. The contract the
// pages keep (crates/web/templates/macros.html): a date is three inputs `<name>-day`,
// `<name>-month`, `<name>-year`; errors are in a GOV.UK error summary (`.govuk-error-summary`)
// whose links point at the fields, and the page title starts "Error: ".
import { expect, type Locator, type Page, type Response } from '@playwright/test';

/** A calendar date, as the council sees it (Europe/London). */
export interface Day {
  year: number;
  month: number;
  day: number;
}

/** A date as typed, which need not be a real one ("31", "2", "2026"). */
export interface DateParts {
  day: string;
  month: string;
  year: string;
}

/** Today in England, which is what the server calls "today" (not the machine's time zone). */
export function today(): Day {
  const [year, month, day] = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' })
    .format(new Date())
    .split('-')
    .map(Number);
  return { year, month, day };
}

/** `n` days after `from` (before, for a negative `n`). */
export function addDays(from: Day, n: number): Day {
  const d = new Date(Date.UTC(from.year, from.month - 1, from.day + n));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

const MONTHS = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
];

/** The date as the pages write it: "5 September 2026". */
export function longDate(d: Day): string {
  return `${d.day} ${MONTHS[d.month - 1]} ${d.year}`;
}

/** Types a date into the GOV.UK date input `name`, replacing what the page put there. */
export async function fillDate(
  page: Page,
  name: string,
  d: Day | DateParts,
): Promise<void> {
  await page.locator(`[name="${name}-day"]`).fill(String(d.day));
  await page.locator(`[name="${name}-month"]`).fill(String(d.month));
  await page.locator(`[name="${name}-year"]`).fill(String(d.year));
}

/**
 * Clicks `button` and returns the answer to the POST it sends (before any redirect is
 * followed), once the page it leads to has loaded.
 */
export async function submit(page: Page, button: Locator): Promise<Response> {
  // Limits of their own, so that a button that is not there fails in seconds, not at the
  // test's time limit.
  const timeout = 15_000;
  const [response] = await Promise.all([
    page.waitForResponse(
      (r) => r.request().method() === 'POST' && r.request().isNavigationRequest(),
      { timeout },
    ),
    // The page the POST ends on (after the redirect, if there is one) has loaded.
    page.waitForEvent('load', { timeout }),
    button.click({ timeout }),
  ]);
  return response;
}

/**
 * The GOV.UK error summary: shown, focused (GOV.UK Frontend moves focus to it), titled "There
 * is a problem", the page title starting "Error: ", and each message a link to its field.
 * Returns the summary's links, as `{ text, href }`.
 */
export async function expectErrorSummary(
  page: Page,
  messages: (string | RegExp)[],
): Promise<{ text: string; href: string }[]> {
  const summary = page.locator('.govuk-error-summary');
  await expect(summary).toBeVisible();
  await expect(summary).toBeFocused();
  await expect(summary.getByRole('heading', { name: 'There is a problem' })).toBeVisible();
  await expect(page).toHaveTitle(/^Error: /);
  const links = summary.locator('.govuk-error-summary__list a');
  await expect(links).toHaveText(messages);
  const found = await links.evaluateAll((as) =>
    as.map((a) => ({ text: (a.textContent ?? '').trim(), href: a.getAttribute('href') ?? '' })),
  );
  for (const link of found) {
    // Every link leads somewhere on the page, and the same message is beside the field.
    const target = page.locator(link.href);
    await expect(target, `the target of "${link.text}"`).toHaveCount(1);
    await expect(page.locator(`${link.href}-error`)).toContainText(link.text);
  }
  return found;
}

/** Fails if the page is wider than the viewport (WCAG 1.4.10: no sideways scrolling). */
export async function expectNoSidewaysScrolling(page: Page): Promise<void> {
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow, `${page.url()} is wider than the viewport`).toBeLessThanOrEqual(0);
}
