// The family's pages (crates/web/src/routes/family.rs, messages.rs) on a phone: the demo's
// parent (parent@northby.example, linked by `waymark demo` to one child whose needs are being
// assessed) on a 375 px wide screen tells us about their child (answers saved as they type,
// even through a dropped connection), sends a message, comments on the draft plan once the
// council has sent it, and downloads the plan. axe-core checks every page visited, and no
// page may scroll sideways.
//
// The council's side (recording the advice, deciding to write a plan, writing it and sending
// the draft) is done by a manager through the JSON API with a token they make on the tokens
// page: those pages have their own tests (journey.spec.ts).
//
// It runs once, in the `mobile` project: the demo has one parent, and comments on a draft can
// be sent only once.
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';

import { checkA11y } from '../support/a11y';
import { signIn } from '../support/session';
import { createUser, uniqueEmail, type TestUser } from '../support/users';

/** The demo's accounts' password (crates/cli/src/demo.rs, DEMO_PASSWORD). */
const DEMO_PASSWORD = 'northby-demo-walkthrough';

const PARENT: TestUser = {
  email: 'parent@northby.example',
  password: DEMO_PASSWORD,
  role: 'parent',
  name: 'Sam Parent',
};

test.use({ viewport: { width: 375, height: 812 } });

/** Fails if the page is wider than the screen (WCAG 1.4.10: no scrolling in two directions). */
async function expectNoSidewaysScrolling(page: Page): Promise<void> {
  const [scroll, client] = await page.evaluate(() => [
    document.documentElement.scrollWidth,
    document.documentElement.clientWidth,
  ]);
  expect(scroll, `${page.url()} scrolls sideways`).toBeLessThanOrEqual(client);
}

/** axe-core and the reflow check, on the page as it is now. */
async function check(page: Page, name: string): Promise<void> {
  await expectNoSidewaysScrolling(page);
  await checkA11y(page, name);
}

/** Today in the UK, as the API's dates are written (YYYY-MM-DD). */
function today(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());
}

/** A manager's API token, made on the tokens page as they would make it. */
async function managerToken(page: Page): Promise<string> {
  const manager = createUser('manager', uniqueEmail('family-manager', test.info().project.name), 'northby family manager');
  await signIn(page, manager);
  await page.goto('/account/tokens');
  await page.getByLabel('Name').fill('Family e2e');
  await page.getByRole('button', { name: 'Make token' }).click();
  return (await page.locator('#token').innerText()).trim();
}

/** The council takes the case to "draft plan sent": advice recorded, a plan decided on,
 * written and sent, through `POST /api/v1/cases/{id}/commands`. */
async function sendTheDraft(request: APIRequestContext, token: string, id: string): Promise<void> {
  const headers = { Authorization: `Bearer ${token}` };
  const read = async () => {
    const res = await request.get(`/api/v1/cases/${id}`, { headers });
    expect(res.status(), await res.text()).toBe(200);
    return res.json();
  };
  let detail = await read();
  const run = async (command: Record<string, unknown>) => {
    const res = await request.post(`/api/v1/cases/${id}/commands`, {
      headers,
      data: { expected_version: detail.version, command },
    });
    expect(res.status(), `${command.type}: ${await res.text()}`).toBe(200);
    detail = await res.json();
  };
  const on = today();
  for (const advice of detail.advice) {
    if (!advice.received) {
      await run({ type: 'record_advice_received', number: advice.number, on, document: null });
    }
  }
  await run({ type: 'decide_whether_to_issue', on, yes: true, reasons: '' });
  const blank = { a: '', b: '', c: '', d: '', e: '', f: '', g: '', h1: '', h2: '', i: '', j: '', k: '' };
  await run({
    type: 'save_plan',
    sections: {
      ...blank,
      a: 'Loves trains and drawing.',
      b: 'Needs help with reading and with noisy rooms.',
      f: 'Small group reading, three times a week.',
    },
  });
  const version = detail.plan_versions[detail.plan_versions.length - 1].version;
  await run({ type: 'serve_draft', version, on });
}

test('a parent on a phone does their part: views, a message, comments on the draft, the plan', async ({
  page,
  browser,
  request,
}) => {
  test.skip(test.info().project.name !== 'mobile', 'the demo has one parent: this runs once');
  test.setTimeout(120_000);

  // Their home page lists their child's case.
  await signIn(page, PARENT);
  await expect(page).toHaveURL(/\/my-cases$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your cases');
  await check(page, 'family-home');
  await page.locator('main h2 a').first().click();
  await expect(page).toHaveURL(/\/my-cases\/\d+$/);
  const id = new URL(page.url()).pathname.split('/')[2];
  await expect(page.getByRole('heading', { name: 'Where we are now' })).toBeVisible();
  await expect(page.getByText('We find out what help is needed')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'What happens next' })).toBeVisible();
  await check(page, 'family-case');

  // All about me: saved as typed, through a dropped connection, then sent.
  await page.getByRole('button', { name: /^Tell us about / }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('All about me');
  await page.getByLabel('What I like').fill('Trains, drawing and swimming.');
  await expect(page.locator('#likes-status')).toContainText('Saved');
  await page.route('**/views/autosave', (route) => route.abort('internetdisconnected'));
  await page.getByLabel('What helps me').fill('A quiet place and a visual timetable.');
  await page.getByLabel('What helps me').blur();
  await expect(page.locator('#helps-status')).toContainText('Not saved yet');
  await check(page, 'family-views-offline');
  await page.unroute('**/views/autosave');
  await expect(page.locator('#helps-status')).toContainText('Saved', { timeout: 15_000 });
  await page.reload();
  await expect(page.getByLabel('What helps me')).toHaveValue('A quiet place and a visual timetable.');
  await check(page, 'family-views');
  await page.getByRole('button', { name: 'Send to the council' }).click();
  await expect(page.getByText('Thank you. We have your views.')).toBeVisible();
  await check(page, 'family-case-views-sent');

  // A message to the caseworker.
  await page.getByRole('button', { name: 'Send us a message' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Messages');
  await check(page, 'family-messages-empty');
  await page.getByLabel('Your message').fill('Can we meet after school one day?');
  await page.getByRole('button', { name: 'Send message' }).click();
  await expect(page.getByText('Your message has been sent.')).toBeVisible();
  await expect(page.getByText('Can we meet after school one day?')).toBeVisible();
  await expect(page.getByText('Not read yet')).toBeVisible();
  await check(page, 'family-messages');

  // The council sends the draft plan.
  const staff = await browser.newContext({ baseURL: process.env.WAYMARK_BASE_URL });
  const token = await managerToken(await staff.newPage());
  await sendTheDraft(request, token, id);
  await staff.close();

  // Comments on the draft, part by part, and a school asked for.
  await page.goto(`/my-cases/${id}`);
  await expect(page.getByText(/Tell us what you think by /)).toBeVisible();
  await check(page, 'family-case-draft');
  await page.getByRole('button', { name: 'Comment on the draft plan' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('The draft plan');
  await page.getByText('Read part B').click();
  await expect(page.getByText('Needs help with reading and with noisy rooms.')).toBeVisible();
  await page.getByLabel('Your comments on part B').fill('Please add help at lunchtime too.');
  await expect(page.locator('#b-status')).toContainText('Saved');
  await page.getByLabel('Which school or college do you want?').fill('Hillside Primary School');
  await expect(page.locator('#school-status')).toContainText('Saved');
  await check(page, 'family-draft');
  await page.getByRole('button', { name: 'Send my comments' }).click();
  await expect(page.getByText('Thank you. We have your comments on the draft plan.')).toBeVisible();
  await check(page, 'family-case-comments-sent');

  // The draft plan, from their letters and plans.
  const letters = page.locator('#letters + ul');
  const download = page.waitForEvent('download');
  await letters.getByRole('link', { name: 'Draft plan' }).click();
  expect((await download).suggestedFilename()).toMatch(/draft-plan.*\.pdf$/);

  // Once sent, the draft page says so, and the window is not offered again.
  await page.goto(`/my-cases/${id}/draft`);
  await expect(page.getByText(/We got your comments on /)).toBeVisible();
  await check(page, 'family-draft-sent');
});
