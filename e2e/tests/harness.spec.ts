// The harness itself: that the tests really run in the Chromium we think they do, and that
// the accessibility check really fails when a page has a problem (so the passes elsewhere
// mean something).
import { execFileSync } from 'node:child_process';

import { expect, test } from '@playwright/test';

import { checkA11y } from '../support/a11y';
import { createUser, uniqueEmail } from '../support/users';

test('the browser is the system Chromium, not a downloaded one', async ({ browser }) => {
  const executable = process.env.CHROMIUM ?? '/usr/bin/chromium';
  const printed = execFileSync(executable, ['--version'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const installed = printed.match(/(\d+\.\d+\.\d+\.\d+)/)?.[1];
  expect(installed, `no version in "${printed}"`).toBeTruthy();
  expect(browser.version()).toBe(installed);
});

test('checkA11y fails, naming the rule and the element, on a page with a violation', async ({
  page,
}) => {
  await page.goto('/');
  // An image with no text alternative (WCAG 1.1.1) and a text box with no label (4.1.2).
  await page.locator('main').evaluate((main) => {
    main.insertAdjacentHTML(
      'beforeend',
      '<img id="no-alt" src="/favicon.ico"><input id="no-label" type="text">',
    );
  });
  const failure = await checkA11y(page, 'harness-known-violations').then(
    () => 'no failure',
    (err: Error) => err.message,
  );
  expect(failure).toContain('image-alt');
  expect(failure).toContain('#no-alt');
  expect(failure).toContain('label');
  expect(failure).toContain('#no-label');
});

test('createUser adds an account with `waymark user add`, and says why when it cannot', () => {
  const email = uniqueEmail('harness', test.info().project.name);
  const user = createUser('manager', email, 'a long enough password');
  expect(user).toMatchObject({ email, role: 'manager' });
  // The same address twice is refused; the error carries what the command said.
  expect(() => createUser('manager', email, 'a long enough password')).toThrow(email);
  // As is a password shorter than 12 characters.
  expect(() =>
    createUser('viewer', uniqueEmail('harness', test.info().project.name), 'too short'),
  ).toThrow(/12/);
});
