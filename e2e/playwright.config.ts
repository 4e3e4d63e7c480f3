// Browser tests: the real `waymark serve` (started by global-setup.ts on a demo database) in
// Debian's Chromium, with axe-core on every page. Run from e2e/: `npx playwright test`.
//
// Playwright's own browser download does not work on our machines (and is not needed):
// every project launches /usr/bin/chromium, or $CHROMIUM if set.
import { defineConfig } from '@playwright/test';

const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  globalSetup: './global-setup.ts',
  globalTeardown: './global-teardown.ts',
  // One server and one database for the whole run; CI machines have two cores.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 5_000 },
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  use: {
    // Set by global-setup.ts before the workers start (they inherit its environment).
    baseURL: process.env.WAYMARK_BASE_URL,
    launchOptions: {
      executablePath: chromium,
      // What Chromium needs on a machine with a closed network, running as root, no GPU.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'desktop',
      use: { browserName: 'chromium', viewport: { width: 1280, height: 800 } },
    },
    {
      // WCAG 1.4.10 (reflow): everything must work at 320 CSS pixels wide.
      name: 'mobile',
      use: {
        browserName: 'chromium',
        viewport: { width: 320, height: 640 },
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
      },
    },
  ],
});
