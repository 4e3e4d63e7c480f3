// Accessibility checks: axe-core against WCAG 2.0, 2.1 and 2.2, levels A and AA (what public
// sector bodies must meet), on every page a test visits.
import { mkdirSync } from 'node:fs';
import path from 'node:path';

import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';

/** The axe-core tags for WCAG 2.0, 2.1 and 2.2 at levels A and AA. */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];

/** Where screenshots go (gitignored; copy the ones worth keeping to docs/screenshots/). */
export const SCREENSHOTS = path.resolve(__dirname, '..', 'screenshots');

/**
 * Takes a full-page screenshot to `e2e/screenshots/<name>-<project>.png` (the project is the
 * width: `desktop` or `mobile`), then runs axe-core on the page as it is now and fails with
 * one readable line per violation and element.
 *
 * The screenshot comes first so that there is a picture of a page that fails.
 */
export async function checkA11y(page: Page, name: string): Promise<void> {
  const project = test.info().project.name;
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}${project ? `-${project}` : ''}.png`);
  await page.screenshot({ path: file, fullPage: true });

  const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  const report = results.violations.flatMap((v) =>
    v.nodes.map(
      (node) =>
        `  [${v.impact ?? 'unknown'}] ${v.id}: ${v.help}\n` +
        `    at ${node.target.join(' ')}\n` +
        `    ${(node.failureSummary ?? '').replace(/\n/g, '\n    ')}\n` +
        `    ${v.helpUrl}`,
    ),
  );
  expect(
    report.length,
    `axe-core found ${report.length} accessibility problem(s) on "${name}" (${page.url()}), ` +
      `screenshot ${path.relative(process.cwd(), file)}:\n${report.join('\n')}\n`,
  ).toBe(0);
}

/** Where the screenshots in the documentation live. */
export const DOCS_SCREENSHOTS = path.resolve(__dirname, '..', '..', 'docs', 'screenshots');

/**
 * Takes a full-page screenshot for the documentation, `docs/screenshots/<name>.png`, when the
 * run was asked for them (`WAYMARK_DOCS_SCREENSHOTS=1`); otherwise does nothing, so that an
 * ordinary run never changes files in the repository.
 */
export async function docsScreenshot(page: Page, name: string): Promise<void> {
  if (process.env.WAYMARK_DOCS_SCREENSHOTS !== '1') return;
  mkdirSync(DOCS_SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(DOCS_SCREENSHOTS, `${name}.png`), fullPage: true });
}
