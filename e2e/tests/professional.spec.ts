// Professionals doing their part of one child's case (crates/web/src/routes/invitations.rs,
// professional.rs): a manager invites a health professional and the child's school SENCO from
// the case page; each opens their link, sets a password, sets up two-factor authentication
// (the test plays the authenticator app: it computes the code from the key the page shows),
// and sends their advice with a file and a summary; then the school answers the council's
// consultation about naming it. axe-core checks every page visited; at 320 px (the `mobile`
// project) nothing may scroll sideways.
//
// The council's own steps around them (opening the case, asking for advice, writing and
// sending the draft, consulting the school) go through the JSON API with a token the manager
// makes on the tokens page: those pages have their own tests (journey.spec.ts).
//
// It runs in both projects, each with its own case, organisations and people.
import { createHmac } from 'node:crypto';

import { expect, test, type APIRequestContext, type Browser, type Page } from '@playwright/test';

import { checkA11y } from '../support/a11y';
import { tinyPdf } from '../support/documents';
import { addDays, expectErrorSummary, submit, today, type Day } from '../support/forms';
import { signIn } from '../support/session';
import { createUser, uniqueEmail } from '../support/users';

/** A date as the API writes it (YYYY-MM-DD). */
function iso(d: Day): string {
  return `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

/** RFC 4648 Base32 (no padding) to bytes: how authenticator apps read the set-up key. */
function base32(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const c of text.replace(/[\s=]/g, '').toUpperCase()) {
    const index = alphabet.indexOf(c);
    if (index < 0) throw new Error(`'${c}' is not Base32`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The 6-digit TOTP code for a Base32 key now (RFC 6238: SHA-1, 30-second steps). */
export function totp(key: string, at = Date.now()): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac('sha1', base32(key)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, '0');
}

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

/** The council's side, through `POST /api/v1/cases/{id}/commands` with a manager's token. */
function councilApi(request: APIRequestContext, token: string) {
  const headers = { Authorization: `Bearer ${token}` };
  return {
    async open(body: Record<string, unknown>): Promise<number> {
      const res = await request.post('/api/v1/cases', { headers, data: body });
      expect(res.status(), await res.text()).toBe(201);
      return (await res.json()).id;
    },
    async read(id: number) {
      const res = await request.get(`/api/v1/cases/${id}`, { headers });
      expect(res.status(), await res.text()).toBe(200);
      return res.json();
    },
    async run(id: number, command: Record<string, unknown>): Promise<void> {
      const detail = await this.read(id);
      const res = await request.post(`/api/v1/cases/${id}/commands`, {
        headers,
        data: { expected_version: detail.version, command },
      });
      expect(res.status(), `${command.type}: ${await res.text()}`).toBe(200);
    },
  };
}

/** Someone the manager invites, and the organisation they are invited for. */
interface Invitee {
  name: string;
  email: string;
  kind: string;
  organisation: string;
  urn?: string;
}

/** The manager invites a professional from the case page; returns the link shown. */
async function invite(page: Page, id: number, who: Invitee, screenshot: string): Promise<string> {
  await page.goto(`/cases/${id}`);
  await page.getByRole('link', { name: 'Invite someone to this case' }).click();
  await expect(page).toHaveURL(new RegExp(`/cases/${id}/invite$`));
  await page
    .getByLabel('A professional from a school, health, social care or another service', { exact: true })
    .check();
  await page
    .getByLabel('Their organisation', { exact: true })
    .selectOption({ label: 'Not in the list: register it below' });
  await page.getByLabel(who.kind, { exact: true }).check();
  await page.getByLabel('Its name', { exact: true }).fill(who.organisation);
  if (who.urn) await page.getByLabel('School URN', { exact: true }).fill(who.urn);
  await page.getByLabel('To give advice for the assessment', { exact: true }).check();
  await page.getByLabel('Their full name', { exact: true }).fill(who.name);
  await page.getByLabel('Their email address', { exact: true }).fill(who.email);
  await check(page, `${screenshot}-form`);
  const response = await submit(page, page.getByRole('button', { name: 'Send the invitation' }));
  expect(response.status()).toBe(200);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Invitation sent');
  await check(page, `${screenshot}-sent`);
  const link = (await page.locator('#invitation-link').innerText()).trim();
  expect(link).toMatch(/\/invitations\/[0-9a-f]{64}$/);
  return link;
}

/**
 * The professional opens their link in their own browser, chooses a password, is sent to set
 * up two-factor authentication before anything else, and does so with the key on the page.
 */
async function acceptAndSetUp(browser: Browser, link: string, name: string): Promise<Page> {
  const context = await browser.newContext({
    baseURL: process.env.WAYMARK_BASE_URL,
    viewport: test.info().project.use.viewport ?? undefined,
    isMobile: test.info().project.use.isMobile,
    hasTouch: test.info().project.use.hasTouch,
  });
  const page = await context.newPage();
  await page.goto(new URL(link).pathname);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Set up your account');
  await check(page, `${name}-accept`);

  await page.getByLabel('Choose a password', { exact: true }).fill('short');
  await page.getByLabel('Enter the password again', { exact: true }).fill('short');
  let response = await submit(page, page.getByRole('button', { name: 'Create your account' }));
  expect(response.status()).toBe(422);
  await expectErrorSummary(page, ['Password must be 12 characters or more']);
  await check(page, `${name}-accept-error`);

  const password = 'kettle lantern orchard copper';
  await page.getByLabel('Choose a password', { exact: true }).fill(password);
  await page.getByLabel('Enter the password again', { exact: true }).fill(password);
  response = await submit(page, page.getByRole('button', { name: 'Create your account' }));
  expect(response.status()).toBe(303);
  await expect(page).toHaveURL(/\/account\/two-factor$/);
  // Nothing else opens until two-factor authentication is on.
  await page.goto('/advice');
  await expect(page).toHaveURL(/\/account\/two-factor$/);
  await check(page, `${name}-two-factor`);
  const key = (await page.locator('main ol code').innerText()).replace(/\s/g, '');
  await page.getByLabel('Code from your authenticator app', { exact: true }).fill(totp(key));
  response = await submit(
    page,
    page.getByRole('button', { name: 'Turn on two-factor authentication' }),
  );
  expect(response.status()).toBe(303);
  await expect(page.getByText('Two-factor authentication is on.')).toBeVisible();
  return page;
}

/** On their advice page: a file is required; then the advice and its summary are sent. */
async function sendAdvice(page: Page, child: string, name: string, summary: string[]) {
  await page.goto('/advice');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Advice requested from us');
  await expect(page.getByRole('link', { name: child })).toBeVisible();
  await check(page, `${name}-advice-home`);
  await page.getByRole('link', { name: child }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(child);
  await expect(page.getByRole('link', { name: 'Ask the caseworker a question' })).toBeVisible();
  await check(page, `${name}-advice-request`);

  const [needs, provision, outcomes] = summary;
  await page.getByLabel('The child’s needs', { exact: true }).fill(needs);
  let response = await submit(page, page.getByRole('button', { name: 'Send advice to the council' }));
  expect(response.status()).toBe(422);
  await expectErrorSummary(page, ['Select the file with your advice']);
  // What was typed is kept.
  await expect(page.getByLabel('The child’s needs', { exact: true })).toHaveValue(needs);
  await check(page, `${name}-advice-error`);

  await page.getByLabel('Provision', { exact: true }).fill(provision);
  await page.getByLabel('Outcomes', { exact: true }).fill(outcomes);
  await page
    .getByLabel('Your advice', { exact: true })
    .setInputFiles({ name: `${name}-advice.pdf`, mimeType: 'application/pdf', buffer: tinyPdf() });
  response = await submit(page, page.getByRole('button', { name: 'Send advice to the council' }));
  expect(response.status()).toBe(303);
  await expect(page.locator('.govuk-notification-banner')).toContainText(
    'Your advice has been sent to the council',
  );
  // Answered: the child is no longer theirs to see.
  await expect(page.getByRole('link', { name: child })).toHaveCount(0);
  await check(page, `${name}-advice-sent`);
}

test('a health professional and the school SENCO each do their part of one case', async ({
  page,
  browser,
  request,
}) => {
  test.setTimeout(180_000);
  const project = test.info().project.name;
  const tag = `${project}-${process.pid}-${Date.now().toString(36)}`;
  const now = today();
  const urn = String(900000 + ((Date.now() + (project === 'mobile' ? 1 : 0)) % 99999)).slice(0, 6);
  const child = { given: 'Noor', family: `Haddad-${tag.slice(-5)}` };
  const childName = `${child.given} ${child.family}`;
  const health: Invitee = {
    name: 'Dr Ifeoma Rao',
    email: uniqueEmail('health', project),
    kind: 'NHS trust or health service',
    organisation: `Northby Children’s Therapy Service ${tag}`,
  };
  const senco: Invitee = {
    name: 'Mo Senco',
    email: uniqueEmail('senco', project),
    kind: 'School, college or early years setting',
    organisation: `Brook Lane Primary School ${tag}`,
    urn,
  };

  // The manager makes a token, and the council opens the case and asks both for advice.
  const manager = createUser('manager', uniqueEmail('portal-manager', project), 'northby portal manager');
  await signIn(page, manager);
  await page.goto('/account/tokens');
  await page.getByLabel('Name').fill('Portal e2e');
  await page.getByRole('button', { name: 'Make token' }).click();
  const council = councilApi(request, (await page.locator('#token').innerText()).trim());
  const id = await council.open({
    reference: `PRO-${tag}`,
    child: {
      given_name: child.given,
      family_name: child.family,
      date_of_birth: '2017-06-14',
      school: { urn, setting_code: null, name: senco.organisation, placement_type: 'MS' },
    },
    request: {
      received: iso(addDays(now, -30)),
      source: 'PAR',
      reasons: 'Noor finds speech and reading hard and is falling behind despite SEN support.',
    },
  });
  await council.run(id, {
    type: 'decide_whether_to_assess',
    on: iso(addDays(now, -20)),
    yes: true,
    reasons: '',
  });
  for (const [kind, who] of [
    ['health', health],
    ['education', senco],
  ] as const) {
    await council.run(id, {
      type: 'request_advice',
      kind,
      organisation: who.organisation,
      on: iso(addDays(now, -10)),
    });
  }

  // The manager invites them both from the case page.
  const healthLink = await invite(page, id, health, 'portal-invite-health');
  const sencoLink = await invite(page, id, senco, 'portal-invite-senco');
  await page.goto(`/cases/${id}/invite`);
  const invitations = page.getByRole('table', { name: 'Invitations to this case' });
  await expect(invitations.getByRole('row')).toHaveCount(3);
  await expect(invitations).toContainText('Waiting until');
  await check(page, 'portal-invitations');

  // Each accepts, sets up two-factor authentication, and sends their advice.
  const healthPage = await acceptAndSetUp(browser, healthLink, 'portal-health');
  await sendAdvice(healthPage, childName, 'portal-health', [
    'Noor has a speech sound disorder and finds it hard to be understood by adults she does not know.',
    'Speech and language therapy: 6 sessions a term, and a programme the school runs twice a week.',
    'By the end of Year 3 Noor is understood by unfamiliar adults most of the time.',
  ]);
  const sencoPage = await acceptAndSetUp(browser, sencoLink, 'portal-senco');
  await sendAdvice(sencoPage, childName, 'portal-senco', [
    'Noor reads two years below her age and needs instructions repeated.',
    'Daily small-group phonics and a reading partner; visual timetable in class.',
    'Noor reads simple chapter books on her own by the end of the year.',
  ]);

  // Both answered: the council decides to write a plan, sends the draft and consults the school.
  const detail = await council.read(id);
  expect(detail.advice.every((a: { received: string | null }) => a.received === iso(now))).toBe(true);
  const on = iso(now);
  await council.run(id, { type: 'decide_whether_to_issue', on, yes: true, reasons: '' });
  const blank = { a: '', b: '', c: '', d: '', e: '', f: '', g: '', h1: '', h2: '', i: '', j: '', k: '' };
  await council.run(id, {
    type: 'save_plan',
    sections: { ...blank, a: 'Noor loves drawing.', b: 'Speech and reading.' },
  });
  await council.run(id, { type: 'serve_draft', version: 1, on });
  await council.run(id, {
    type: 'consult_school',
    setting: { urn, setting_code: null, name: senco.organisation, placement_type: 'MS' },
    on,
  });

  // The school answers its consultation, within its 15 days.
  await sencoPage.goto('/advice');
  const consultations = sencoPage.getByRole('table', { name: /Consultations/ });
  await expect(consultations.getByRole('link', { name: childName })).toBeVisible();
  await expect(consultations).toContainText('15 days left');
  await check(sencoPage, 'portal-senco-consultations');
  await consultations.getByRole('link', { name: childName }).click();
  await expect(sencoPage.getByRole('heading', { level: 1 })).toHaveText(childName);
  let response = await submit(sencoPage, sencoPage.getByRole('button', { name: 'Send the answer' }));
  expect(response.status()).toBe(422);
  await expectErrorSummary(sencoPage, ['Select whether the school can meet the child’s needs']);
  await check(sencoPage, 'portal-senco-consultation-error');
  await sencoPage.getByLabel('Yes, the school can be named', { exact: true }).check();
  response = await submit(sencoPage, sencoPage.getByRole('button', { name: 'Send the answer' }));
  expect(response.status()).toBe(303);
  await expect(sencoPage.locator('.govuk-notification-banner')).toContainText(
    'Your answer to the consultation has been sent',
  );
  await check(sencoPage, 'portal-senco-consultation-sent');

  // The council sees both pieces of advice with their documents, and the school's answer.
  const after = await council.read(id);
  expect(after.advice.every((a: { document: string | null }) => a.document)).toBe(true);
  expect(after.consultations[0].responded).toBe(iso(now));
  expect(after.consultations[0].agreed).toBe(true);
  await page.goto(`/cases/${id}/invite`);
  await expect(invitations.getByText('Accepted')).toHaveCount(2);
});
