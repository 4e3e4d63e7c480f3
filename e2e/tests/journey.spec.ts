// One request for an EHC needs assessment, all the way from the request to the final plan, in
// the browser, as a caseworker and then a manager would do it: the new-request form (its
// errors, the duplicate warning), every stage action on the case page (crates/web/src/routes/
// case_actions.rs), uploads, an exception, a refusal by the case rules, the plan editor with
// autosave, versions and their word diff, a stale-edit conflict, the final plan and its PDFs,
// and a manager's handover. axe-core checks every page the journey visits, in each state
// worth checking (the case page several times as it fills up: advice, exceptions, versions of
// the plan, schools, documents), at 1280 px; the case page, forms and plan editor again at
// 320 px (WCAG 1.4.10 reflow), in a second, narrow browser window on the same session.
//
// The journey runs once (in the `desktop` project): it makes two sign-ins of the 50 a run may
// make (crates/web/src/lib.rs, AuthSettings) and takes about 90 s. Dates are backdated from
// today so that the statutory clocks read as in real life: the request arrived 10 weeks ago,
// so the advice asked for 5 weeks in is still inside its 6 weeks, the decision whether to
// issue has to wait for it, and a draft sent today has to have the family's comments recorded
// before the final plan can be issued.
//
// `WAYMARK_DOCS_SCREENSHOTS=1 npx playwright test tests/journey.spec.ts` also refreshes the
// screenshots in docs/screenshots/ (support/a11y.ts, docsScreenshot).
import {
  expect,
  test,
  type Browser,
  type BrowserContext,
  type Locator,
  type Page,
  type Response,
} from '@playwright/test';

import { checkA11y, docsScreenshot } from '../support/a11y';
import { download, expectPdfDownload, tinyPdf } from '../support/documents';
import {
  addDays,
  expectErrorSummary,
  expectNoSidewaysScrolling,
  fillDate,
  longDate,
  submit,
  today,
  type DateParts,
  type Day,
} from '../support/forms';
import { signIn } from '../support/session';
import { createUser, uniqueEmail } from '../support/users';

const PASSWORD = 'northby journey password';

let children = 0;

/** Letters only, from a number: a code that keeps names looking like names. */
function letters(n: number, length: number): string {
  let code = '';
  for (let i = 0; i < length; i += 1) {
    code += String.fromCharCode(97 + (Math.floor(n / 26 ** i) % 26));
  }
  return code;
}

/** A child no other run has (the name and date of birth are what duplicate checks compare). */
function newChild() {
  children += 1;
  const n = Math.floor(Date.now() / 1000) + process.pid * 7 + children * 997;
  const code = letters(n, 4);
  return {
    given: 'Maya',
    family: `Ellison-${code[0].toUpperCase()}${code.slice(1)}`,
    dob: { year: 2017 + (n % 3), month: 1 + (n % 12), day: 1 + (n % 28) },
    reference: `NB-${Date.now().toString(36).toUpperCase()}`,
  };
}

/** The same page, in a second browser window 320 CSS pixels wide, signed in as the same user. */
async function narrowWindow(browser: Browser, signedIn: BrowserContext): Promise<BrowserContext> {
  return browser.newContext({
    baseURL: process.env.WAYMARK_BASE_URL,
    viewport: { width: 320, height: 640 },
    // 1, not 2 like the `mobile` project: the documentation's screenshots are 320 pixels wide.
    deviceScaleFactor: 1,
    isMobile: true,
    hasTouch: true,
    storageState: await signedIn.storageState(),
  });
}

/** Checks a page at 320 px: no sideways scrolling, and axe-core. */
async function checkNarrow(page: Page, name: string): Promise<void> {
  await expectNoSidewaysScrolling(page);
  await checkA11y(page, `${name}-320`);
}

/** The parts of the case page the journey reads. */
function casePage(page: Page) {
  const actions = page.locator('.wm-actions');
  return {
    banner: page.locator('.govuk-notification-banner'),
    stage: page.locator('main .govuk-tag').first(),
    /** A main step ("Decide whether to assess"), shown as a button. */
    step: (name: string): Locator => actions.getByRole('button', { name, exact: true }),
    /** An action available at many stages ("Add a note"), shown as a link. */
    other: (name: string): Locator => actions.getByRole('link', { name, exact: true }),
    clocks: page.getByRole('table', { name: 'Statutory deadlines' }),
    advice: page.getByRole('table', { name: 'Advice requested' }),
    schools: page.getByRole('table', { name: 'Schools consulted' }),
    plans: page.locator('h2#plan + ul'),
    exceptions: page.locator('h2#exceptions + ul'),
    documents: page.locator('h2#documents + ul'),
    notes: page.locator('.wm-note'),
    history: page.locator('.wm-timeline__item'),
  };
}

/** A new request as its form takes it. */
interface NewRequest {
  reference: string;
  given: string;
  family: string;
  dob: Day | DateParts;
  received: Day;
}

/** Fills in the whole new-request form (a mother's details, a request from a parent). */
async function fillRequest(p: Page, r: NewRequest): Promise<void> {
  await p.getByLabel('Case reference', { exact: true }).fill(r.reference);
  await p.getByLabel('Given name', { exact: true }).fill(r.given);
  await p.getByLabel('Family name', { exact: true }).fill(r.family);
  await fillDate(p, 'dob', r.dob);
  await p.getByLabel('Full name (optional)', { exact: true }).fill('Joanne Ellison');
  await p.getByLabel('Relationship to the child', { exact: true }).fill('Mother');
  await p.getByLabel('Email address (optional)', { exact: true }).fill('joanne@example.com');
  await fillDate(p, 'received', r.received);
  await p
    .getByLabel('Who made the request', { exact: true })
    .selectOption({ label: 'Parent or carer' });
  await p
    .getByLabel('Why the request was made', { exact: true })
    .fill('Maya is not making progress in reading despite two years of SEN support at school.');
}

/** Sends the new-request form. */
function recordRequest(p: Page): Promise<Response> {
  return submit(p, p.getByRole('button', { name: 'Record the request', exact: true }));
}

/**
 * Sends an action's form with its button (most say "Save"; those with consequences say what
 * they do) and checks it went through: back on the case page, with its banner.
 */
async function save(page: Page, id: number, banner: string, button = 'Save'): Promise<void> {
  const response = await submit(page, page.getByRole('button', { name: button, exact: true }));
  expect(response.status(), `${response.url()} answered ${response.status()}`).toBe(303);
  await expect(page).toHaveURL(new RegExp(`/cases/${id}\\?done=`));
  await expect(casePage(page).banner).toContainText(banner);
}

test('a request goes from the new-request form to an issued final plan and a handover', async ({
  browser,
  context,
  page,
}) => {
  test.skip(
    test.info().project.name !== 'desktop',
    'runs once; it checks the key pages at 320 px itself',
  );
  test.setTimeout(240_000);

  const project = test.info().project.name;
  // People's names, because these pages end up in the documentation's screenshots; unique
  // enough in the demo LA for the manager to choose the next caseworker by name.
  const person = (role: 'caseworker' | 'manager', who: string, name: string) =>
    createUser(role, uniqueEmail(who, project), PASSWORD, name);
  const caseworker = person('caseworker', 'journey', 'Priya Lindqvist');
  const nextCaseworker = person('caseworker', 'journey-next', 'Tomasz Achterberg');
  const manager = person('manager', 'journey-manager', 'Helen Marsh');
  const child = newChild();
  const fullName = `${child.given} ${child.family}`;
  const now = today();
  const received = addDays(now, -70);
  const on = (days: number): Day => addDays(received, days);
  const ep = { kind: 'Educational psychology', org: 'Northby Educational Psychology Service' };
  const health = { kind: 'Health', org: 'Northby Community Health NHS Trust' };
  const school = { urn: '139701', name: 'Riverside Community Primary School' };
  const c = casePage(page);
  let id = 0;

  await signIn(page, caseworker);
  const narrow = await (await narrowWindow(browser, context)).newPage();

  await test.step('the caseworker starts on their caseload', async () => {
    await expect(page).toHaveURL(/\/caseload/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your caseload');
    await checkA11y(page, 'journey-caseload');
  });

  const impossible = { day: '31', month: '2', year: '2026' };

  await test.step('a new request with mistakes is shown again with an error summary', async () => {
    await page.goto('/cases/new');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(
      'Record a new request for an EHC needs assessment',
    );
    await checkA11y(page, 'journey-new-request');

    await fillRequest(page, { ...child, given: '', dob: impossible, received });
    const response = await recordRequest(page);
    expect(response.status()).toBe(422);
    const links = await expectErrorSummary(page, [
      "Enter the child's given name",
      "The child's date of birth must be a real date",
    ]);
    expect(links.map((l) => l.href)).toEqual(['#given_name', '#dob']);
    // What was typed is all still there, the impossible date included.
    await expect(page.getByLabel('Family name', { exact: true })).toHaveValue(child.family);
    await expect(page.locator('[name="dob-day"]')).toHaveValue('31');
    await expect(page.locator('#dob-month')).toHaveValue('2');
    await expect(page.getByLabel('Who made the request', { exact: true })).toHaveValue('PAR');
    await checkA11y(page, 'journey-new-request-errors');
    await docsScreenshot(page, 'new-request-errors');

    // The summary's link takes the user to the field.
    await page.getByRole('link', { name: "Enter the child's given name" }).click();
    await expect(page.getByLabel('Given name', { exact: true })).toBeFocused();

    // The same at 320 px.
    await narrow.goto('/cases/new');
    await fillRequest(narrow, { ...child, given: '', dob: impossible, received });
    expect((await recordRequest(narrow)).status()).toBe(422);
    await expect(narrow.locator('.govuk-error-summary')).toBeFocused();
    await checkNarrow(narrow, 'journey-new-request-errors');
    await docsScreenshot(narrow, 'new-request-errors-320');
  });

  await test.step('the corrected request opens the case', async () => {
    await page.getByLabel('Given name', { exact: true }).fill(child.given);
    await fillDate(page, 'dob', child.dob);
    const response = await recordRequest(page);
    expect(response.status()).toBe(303);
    await expect(page).toHaveURL(/\/cases\/\d+\?done=opened$/);
    id = Number(new URL(page.url()).pathname.split('/')[2]);
    await expect(c.banner).toContainText('Request recorded');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(fullName);
    await expect(c.stage).toHaveText('Deciding whether to assess');
    await expect(page.getByText('No caseworker yet')).toBeVisible();
    await expect(c.history).toHaveCount(1);
    await expect(c.history.first()).toContainText(
      `Request for an EHC needs assessment received on ${longDate(received)}`,
    );
    await expect(c.clocks.getByRole('row', { name: /Decide whether to assess/ })).toContainText(
      longDate(on(42)),
    );
    await checkA11y(page, 'journey-case-opened');
    await docsScreenshot(page, 'case-opened');

    await narrow.goto(`/cases/${id}`);
    await expect(narrow.getByRole('heading', { level: 1 })).toHaveText(fullName);
    await checkNarrow(narrow, 'journey-case-opened');
  });

  await test.step('the same child again is a possible duplicate, opened if confirmed', async () => {
    await page.goto('/cases/new');
    await fillRequest(page, { ...child, reference: `${child.reference}-2`, received });
    expect((await recordRequest(page)).status()).toBe(422);
    await expectErrorSummary(page, [
      'This child may already have a case. Check the cases below, or confirm this is a new request',
    ]);
    const found = page.getByRole('table', { name: 'Cases that may be the same child' });
    await expect(found.getByRole('row')).toHaveCount(2);
    await expect(found.getByRole('link', { name: fullName })).toHaveAttribute(
      'href',
      `/cases/${id}`,
    );
    await expect(found).toContainText(child.reference);
    await expect(found).toContainText('Same name and date of birth');
    await checkA11y(page, 'journey-new-request-duplicate');
    await docsScreenshot(page, 'new-request-duplicate');

    await page
      .getByLabel('This is a different child, or a new request for the same child', { exact: true })
      .check();
    const response = await recordRequest(page);
    expect(response.status()).toBe(303);
    await expect(page).toHaveURL(/\/cases\/\d+\?done=opened$/);
    expect(page.url()).not.toContain(`/cases/${id}?`);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(fullName);
    await checkA11y(page, 'journey-case-opened-duplicate');
  });

  await test.step('deciding to assess sends a decision letter', async () => {
    await page.goto(`/cases/${id}`);
    await c.step('Decide whether to assess').click();
    await expect(page).toHaveURL(new RegExp(`/cases/${id}/decide-assessment$`));
    await checkA11y(page, 'journey-decide-assessment');
    await page.getByLabel('Yes, assess', { exact: true }).check();
    await fillDate(page, 'on', on(35));
    await save(page, id, 'Decision whether to assess recorded');

    await expect(c.stage).toHaveText('Assessing');
    await expect(c.history.first()).toContainText(`Decided to assess on ${longDate(on(35))}`);
    await expect(c.clocks.getByRole('row', { name: /Decide whether to assess/ })).toContainText(
      'Met on time',
    );
    const letter = c.documents.getByRole('link', {
      name: 'Decision whether to assess',
      exact: true,
    });
    await expect(letter).toHaveCount(1);
    await expectPdfDownload(page, letter);
    await checkA11y(page, 'journey-case-assessing');
  });

  await test.step('advice is asked of two organisations', async () => {
    for (const [i, advice] of [ep, health].entries()) {
      await c.step('Request advice').click();
      await page.getByLabel(advice.kind, { exact: true }).check();
      await page.getByLabel('Organisation', { exact: true }).fill(advice.org);
      await fillDate(page, 'on', on(36));
      if (i === 0) await checkA11y(page, 'journey-request-advice');
      await save(page, id, 'Advice requested');
    }
    await expect(c.advice.getByRole('row')).toHaveCount(3);
    for (const advice of [ep, health]) {
      const row = c.advice.getByRole('row', { name: new RegExp(advice.org) });
      await expect(row).toContainText(longDate(on(36 + 42)));
      await expect(row).toContainText('Waiting');
    }
    // reg 8(1): the decision whether to issue waits for advice still inside its 6 weeks.
    await expect(c.step('Decide whether to issue a plan')).toHaveCount(0);
    await checkA11y(page, 'journey-case-advice-requested');
  });

  await test.step('advice arrives: a file not a PDF is refused, a PDF is kept', async () => {
    await c.step('Record advice received').click();
    await page.getByLabel(`${ep.org} (${ep.kind})`, { exact: true }).check();
    await fillDate(page, 'on', on(50));
    const upload = page.getByLabel('Upload the advice (optional)', { exact: true });
    await upload.setInputFiles({
      name: 'advice.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('Notes from the visit, typed up. Not really a PDF.\n'),
    });
    const refused = await submit(page, page.getByRole('button', { name: 'Save', exact: true }));
    expect(refused.status()).toBe(422);
    await expectErrorSummary(page, [
      'The selected file must be a PDF, Word document (.docx), JPG or PNG',
    ]);
    // The choices made are kept; only the file has to be chosen again.
    await expect(page.getByLabel(`${ep.org} (${ep.kind})`, { exact: true })).toBeChecked();
    await expect(page.locator('[name="on-day"]')).toHaveValue(String(on(50).day));
    await checkA11y(page, 'journey-record-advice-bad-file');
    await docsScreenshot(page, 'advice-upload-error');

    const pdf = tinyPdf();
    await upload.setInputFiles({ name: 'ep-advice.pdf', mimeType: 'application/pdf', buffer: pdf });
    await save(page, id, 'Advice recorded');

    const row = c.advice.getByRole('row', { name: new RegExp(ep.org) });
    await expect(row).toContainText(longDate(on(50)));
    const link = row.getByRole('link', { name: `Download advice from ${ep.org}` });
    const { bytes } = await download(page, link);
    expect(bytes.equals(pdf), 'the advice downloaded is the file uploaded').toBe(true);
    // Only the PDF was stored, not the refused file.
    await expect(c.documents.getByRole('link', { name: `Advice from ${ep.org}` })).toHaveCount(1);
    await expect(c.documents).toContainText('ep-advice.pdf');
  });

  await test.step('an exception to the time limits shows by the clocks it excuses', async () => {
    await c.other('Record an exception to the time limits').click();
    await expect(page).toHaveURL(new RegExp(`/cases/${id}/record-exception$`));
    await page.getByLabel('Missed appointment', { exact: true }).check();
    await fillDate(page, 'from', on(45));
    await fillDate(page, 'to', on(45));
    const note = "The family could not attend the educational psychologist's visit: Maya was ill.";
    await page.getByRole('textbox', { name: 'Details', exact: true }).fill(note);
    await checkA11y(page, 'journey-record-exception');
    await save(page, id, 'Exception recorded');

    await expect(c.exceptions).toContainText(
      `Missed appointment, from ${longDate(on(45))} to ${longDate(on(45))}`,
    );
    await expect(c.exceptions).toContainText(note);
    // reg 8(2), 13(3): a missed appointment excuses the advice and the final plan, not reg 5;
    // it is shown beside clocks still running or late, not one already met on time.
    const row = (name: RegExp) => c.clocks.getByRole('row', { name });
    await expect(row(/Advice given/).first()).toContainText('Met on time');
    await expect(row(/Advice given/).first()).not.toContainText('Exception applies');
    await expect(row(/Advice given/).last()).toContainText('Exception applies');
    await expect(row(/Final EHC plan issued/)).toContainText('Exception applies');
    await expect(row(/Decide whether to assess/)).not.toContainText('Exception applies');
    await expect(c.history.first()).toContainText('Exception recorded: Missed appointment');
    await checkA11y(page, 'journey-case-exception');
  });

  await test.step('the rest of the advice arrives: the decision to issue is offered', async () => {
    await c.step('Record advice received').click();
    await page.getByLabel(`${health.org} (${health.kind})`, { exact: true }).check();
    await fillDate(page, 'on', on(60));
    await save(page, id, 'Advice recorded');
    await expect(c.advice.getByRole('row', { name: new RegExp(health.org) })).toContainText(
      longDate(on(60)),
    );
    await expect(c.step('Record advice received')).toHaveCount(0);
    await expect(c.step('Decide whether to issue a plan')).toBeVisible();
  });

  await test.step('the case rules refuse a decision dated too early; nothing saved', async () => {
    const events = await c.history.count();
    await c.step('Decide whether to issue a plan').click();
    await page.getByLabel('Yes, write a plan', { exact: true }).check();
    await fillDate(page, 'on', on(-1));
    const response = await submit(page, page.getByRole('button', { name: 'Save', exact: true }));
    expect(response.status()).toBe(422);
    const links = await expectErrorSummary(page, [
      `The decision date (${longDate(on(-1))}) cannot be before ` +
        `the request was received (${longDate(received)})`,
    ]);
    expect(links[0].href).toBe('#on');
    await expect(page.getByLabel('Yes, write a plan', { exact: true })).toBeChecked();
    await checkA11y(page, 'journey-decide-plan-refused');
    await docsScreenshot(page, 'action-error');

    await narrow.goto(`/cases/${id}/decide-plan`);
    await narrow.getByLabel('Yes, write a plan', { exact: true }).check();
    await fillDate(narrow, 'on', on(-1));
    const narrowResponse = await submit(
      narrow,
      narrow.getByRole('button', { name: 'Save', exact: true }),
    );
    expect(narrowResponse.status()).toBe(422);
    await expect(narrow.locator('.govuk-error-summary')).toBeFocused();
    await checkNarrow(narrow, 'journey-decide-plan-refused');
    await docsScreenshot(narrow, 'action-error-320');

    await page.goto(`/cases/${id}`);
    await expect(c.stage).toHaveText('Assessing');
    await expect(c.history).toHaveCount(events);
    await expect(c.step('Decide whether to issue a plan')).toBeVisible();
  });

  await test.step('deciding to issue a plan', async () => {
    await c.step('Decide whether to issue a plan').click();
    await page.getByLabel('Yes, write a plan', { exact: true }).check();
    await fillDate(page, 'on', on(62));
    await save(page, id, 'Decision whether to issue a plan recorded');
    await expect(c.stage).toHaveText('Writing the draft plan');
    await expect(c.step('Write the plan')).toBeVisible();
  });

  const sectionA =
    'Maya enjoys drawing and football. She wants to read stories to her little brother.';
  const firstB =
    'Maya has difficulty with reading and spelling. ' +
    'She needs help to follow spoken instructions in class.';
  const secondB =
    'Maya has significant difficulty with reading and spelling. ' +
    'She needs daily help to follow spoken instructions in lessons.';
  const section = (letter: string) =>
    page.getByRole('textbox', { name: `Section ${letter}`, exact: true });
  const status = (key: string) => page.locator(`#section_${key}-status`);
  /** Types into a section and waits for the editor's script to say it was saved. */
  const typeAndAutosave = async (key: string, text: string) => {
    await section(key.toUpperCase()).fill(text);
    await expect(status(key)).toHaveText(/^Saved automatically at /, { timeout: 15_000 });
  };

  await test.step('the plan editor saves as it is typed, so a reload loses nothing', async () => {
    await c.step('Write the plan').click();
    await expect(page).toHaveURL(new RegExp(`/cases/${id}/plan$`));
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Write the plan');
    await expect(page.getByText('There is no version yet.')).toBeVisible();

    await typeAndAutosave('b', firstB);
    // Nothing was saved as a version: what is on the page after a reload came from autosave.
    await page.reload();
    await expect(section('B')).toHaveValue(firstB);
    await expect(status('b')).toHaveText(/^Saved automatically at /);
    await expect(page.getByText('There is no version yet.')).toBeVisible();

    await typeAndAutosave('a', sectionA);
    await checkA11y(page, 'journey-plan-editor');
    await docsScreenshot(page, 'plan-editor');

    await narrow.goto(`/cases/${id}/plan`);
    await expect(narrow.getByRole('textbox', { name: 'Section B', exact: true })).toHaveValue(
      firstB,
    );
    await checkNarrow(narrow, 'journey-plan-editor');
  });

  await test.step('two versions of the plan, and what changed between them', async () => {
    let response = await submit(page, page.getByRole('button', { name: 'Save as a new version' }));
    expect(response.status()).toBe(303);
    await expect(c.banner).toContainText('Plan saved as a new version');
    await expect(c.plans).toContainText(`Version 1, saved ${longDate(now)}`);

    await c.step('Write the plan').click();
    await expect(page.getByText('You are editing from version 1.')).toBeVisible();
    await expect(section('B')).toHaveValue(firstB);
    // Saving the version used up the autosaved text: nothing says "saved automatically" now.
    await expect(status('b')).toHaveText('');
    await typeAndAutosave('b', secondB);
    response = await submit(page, page.getByRole('button', { name: 'Save as a new version' }));
    expect(response.status()).toBe(303);
    await expect(c.plans.getByRole('listitem')).toHaveCount(2);
    await expect(c.plans.getByRole('listitem').first()).toContainText('Version 2');
    await expect(page.getByRole('link', { name: 'Compare versions of the plan' })).toBeVisible();
    await checkA11y(page, 'journey-case-plan-versions');

    // An older version, read only, says it is not the latest, and comes as a PDF too.
    await c.plans.getByRole('link', { name: 'View version 1' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Plan version 1');
    await expect(page.getByText('This is not the latest version: version 2 is.')).toBeVisible();
    await expect(page.getByText(firstB)).toBeVisible();
    await checkA11y(page, 'journey-plan-version');
    await expectPdfDownload(
      page,
      page.getByRole('link', { name: 'Download this version as a PDF' }),
    );

    await page.goto(`/cases/${id}/plan/versions/2`);
    await page.getByRole('link', { name: 'See what changed from version 1' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(
      'What changed between version 1 and version 2',
    );
    await expect(page.getByLabel('From', { exact: true })).toHaveValue('1');
    await expect(page.getByLabel('To', { exact: true })).toHaveValue('2');
    // Added and removed words are marked, for screen readers too ("[added]", "[removed]").
    const added = (words: string) => page.locator('ins.wm-diff-added', { hasText: words });
    const removed = (words: string) => page.locator('del.wm-diff-removed', { hasText: words });
    for (const words of ['significant', 'daily', 'lessons.']) {
      await expect(added(words)).toHaveCount(1);
      await expect(added(words)).toContainText('[added]');
    }
    await expect(removed('class.')).toHaveCount(1);
    await expect(removed('class.')).toContainText('[removed]');
    await expect(added('reading')).toHaveCount(0);
    await expect(page.getByRole('heading', { name: 'Section A (no changes)' })).toBeVisible();
    await checkA11y(page, 'journey-plan-changes');
    await docsScreenshot(page, 'plan-changes');

  });

  await test.step('a form sent after someone else changed the case is refused', async () => {
    await page.goto(`/cases/${id}`);
    const events = await c.history.count();
    // The same form open twice: another tab, or a colleague.
    const other = await context.newPage();
    await page.goto(`/cases/${id}/add-note`);
    await other.goto(`/cases/${id}/add-note`);

    const mine = 'Spoke to the SENCo: Maya has a reader for all tests now.';
    const theirs = 'Mum phoned to ask when the draft plan will be sent.';
    await page.getByRole('textbox', { name: 'Note', exact: true }).fill(mine);
    await other.getByRole('textbox', { name: 'Note', exact: true }).fill(theirs);
    await save(page, id, 'Note added');

    const response = await submit(other, other.getByRole('button', { name: 'Save', exact: true }));
    expect(response.status()).toBe(409);
    const summary = other.locator('.govuk-error-summary');
    await expect(summary).toBeFocused();
    await expect(
      summary.getByRole('heading', { name: 'Someone else changed this case' }),
    ).toBeVisible();
    await expect(other.getByRole('textbox', { name: 'Note', exact: true })).toHaveValue(theirs);
    await checkA11y(other, 'journey-conflict');
    await docsScreenshot(other, 'conflict');
    await other.close();

    // One note, once; one event in the history.
    await page.reload();
    await expect(c.notes).toHaveCount(1);
    await expect(c.notes.first()).toContainText(mine);
    await expect(page.getByText(theirs)).toHaveCount(0);
    await expect(c.history).toHaveCount(events + 1);
  });

  await test.step('the draft goes to the family, a school is consulted and agrees', async () => {
    await c.step('Send the draft plan to the family').click();
    await expect(
      page.getByText('You are sending version 2 of the plan, the latest.'),
    ).toBeVisible();
    await checkA11y(page, 'journey-send-draft');
    await fillDate(page, 'on', now);
    await save(page, id, 'Draft plan sent to the family', 'Send the draft plan');
    await expect(c.stage).toHaveText('Draft plan sent');
    await expect(c.plans.getByRole('listitem').first()).toContainText(
      `Sent as the draft on ${longDate(now)}`,
    );
    await expectPdfDownload(
      page,
      c.documents.getByRole('link', { name: 'Draft plan', exact: true }),
    );
    // reg 13(1): the family has 15 days to comment, so the final plan is not offered yet.
    await expect(c.step('Issue the final plan')).toHaveCount(0);

    await c.step('Consult a school').click();
    await page.getByLabel('URN', { exact: true }).fill(school.urn);
    await page.getByLabel('Name of the school or setting', { exact: true }).fill(school.name);
    await page
      .getByLabel('Type of placement', { exact: true })
      .selectOption({ label: 'Mainstream school or college' });
    await fillDate(page, 'on', now);
    await checkA11y(page, 'journey-consult-school');
    await save(page, id, 'School consulted');
    const row = c.schools.getByRole('row', { name: new RegExp(school.name) });
    await expect(row).toContainText(`URN ${school.urn}`);
    await expect(row).toContainText('Waiting');

    await c.step("Record a school's response").click();
    await page.getByLabel(school.name, { exact: true }).check();
    await page.getByLabel('Yes', { exact: true }).check();
    await fillDate(page, 'on', now);
    await checkA11y(page, 'journey-record-school-response');
    await save(page, id, "School's response recorded");
    await expect(row).toContainText(`Can meet needs (${longDate(now)})`);
  });

  await test.step("the family's comments are recorded, and the final plan is issued", async () => {
    await c.step("Record the family's comments on the draft").click();
    await fillDate(page, 'on', now);
    await page
      .getByLabel('School the family asked for (optional)', { exact: true })
      .fill(school.name);
    await checkA11y(page, 'journey-record-comments');
    await save(page, id, "The family's comments recorded");

    await c.step('Issue the final plan').click();
    await expect(
      page.getByText('You are issuing version 2 of the plan, the latest.'),
    ).toBeVisible();
    await page.getByLabel(school.name, { exact: true }).check();
    await fillDate(page, 'on', now);
    await checkA11y(page, 'journey-issue-plan');
    await save(page, id, 'Final plan issued', 'Issue the final plan');

    await expect(c.stage).toHaveText('Plan issued');
    await expect(c.plans.getByRole('listitem').first()).toContainText('Issued as the final plan');
    await expect(
      page.locator('.govuk-summary-list__row', { hasText: 'Named in the plan' }),
    ).toContainText(school.name);
    await expect(c.clocks.getByRole('row', { name: /Final EHC plan issued/ })).toContainText(
      'Met on time',
    );
    for (const title of ['Final plan', 'Covering letter for the final plan']) {
      await expectPdfDownload(page, c.documents.getByRole('link', { name: title, exact: true }));
    }
    await expect(c.step('Issue the final plan')).toHaveCount(0);
  });

  await test.step('a last note, and the case page at the end', async () => {
    await c.other('Add a note').click();
    await checkA11y(page, 'journey-add-note');
    await page
      .getByRole('textbox', { name: 'Note', exact: true })
      .fill('Final plan posted to the family and emailed to the school.');
    await save(page, id, 'Note added');
    await expect(c.notes).toHaveCount(2);
    await expect(c.notes.first()).toContainText('Final plan posted to the family');
    await checkA11y(page, 'journey-case-issued');
    await docsScreenshot(page, 'case');

    // On a phone the tables stack, so a clock's status is on the screen, not off its side
    // in a table that scrolls sideways.
    await narrow.goto(`/cases/${id}`);
    await expect(narrow.getByRole('heading', { level: 1 })).toHaveText(fullName);
    const firstStatus = narrow
      .getByRole('table', { name: 'Statutory deadlines' })
      .getByText('Met on time')
      .first();
    const box = await firstStatus.boundingBox();
    expect(box, 'the status of the first deadline is shown').not.toBeNull();
    expect(box!.x + box!.width).toBeLessThanOrEqual(320);
    await checkNarrow(narrow, 'journey-case-issued');
    await docsScreenshot(narrow, 'case-320');
    await narrow.context().close();
  });

  await test.step('a manager hands the case to another caseworker with a note', async () => {
    const managerContext = await browser.newContext();
    const m = await managerContext.newPage();
    const mc = casePage(m);
    await signIn(m, manager);

    await m.goto('/allocation');
    await expect(m.getByRole('heading', { level: 1 })).toHaveText('Allocate cases');
    await checkA11y(m, 'journey-allocation');
    await docsScreenshot(m, 'allocation');

    await m.goto(`/cases/${id}`);
    await mc.other('Change caseworker').click();
    await expect(m).toHaveURL(new RegExp(`/cases/${id}/allocate$`));
    await m
      .getByLabel('New caseworker', { exact: true })
      .selectOption({ label: nextCaseworker.name });
    const handover =
      'Plan issued. Annual review due in a year; the school has asked for a visit before then.';
    await m.getByLabel('Handover note (optional)', { exact: true }).fill(handover);
    await checkA11y(m, 'journey-allocate');
    await save(m, id, 'Caseworker changed');

    await expect(m.getByText(`Caseworker: ${nextCaseworker.name}`)).toBeVisible();
    await expect(mc.history.first()).toContainText('Caseworker changed, with a handover note');
    await expect(mc.history.first()).toContainText(
      `To ${nextCaseworker.name}. Handover note: ${handover}`,
    );
    await checkA11y(m, 'journey-case-handed-over');

    // The team caseload finds both cases by the family name, the issued one with its new
    // caseworker.
    await m.goto('/caseload?who=team');
    await m.getByLabel('Search', { exact: true }).fill(child.family);
    await m.getByRole('button', { name: 'Apply filters' }).click();
    const rows = m.getByRole('table').getByRole('row').filter({ hasText: child.family });
    await expect(rows).toHaveCount(2);
    const issued = rows.filter({ hasText: 'Plan issued' });
    await expect(issued).toHaveCount(1);
    await expect(issued).toContainText(nextCaseworker.name);
    await checkA11y(m, 'journey-caseload-search');
    await managerContext.close();
  });
});

/** Signs a new caseworker in and opens a case of the demo at `stage`, from the team caseload. */
async function openDemoCase(page: Page, who: string, stage: string): Promise<string> {
  const user = createUser('caseworker', uniqueEmail(who, test.info().project.name), PASSWORD);
  await signIn(page, user);
  await page.goto(`/caseload?who=team&stage=${stage}`);
  const first = page.getByRole('table').getByRole('link').first();
  const href = await first.getAttribute('href');
  expect(href).toMatch(/^\/cases\/\d+$/);
  await page.goto(href!);
  return href!;
}


// Problems the journey found in the pages, now fixed: each a test of the right behaviour.
test.describe('problems the journey found, fixed', () => {
  // GOV.UK error summary: a link to a date input or to radios must move focus to the first
  // input, which carries the field's id (`#dob` is the day, `#kind` the first radio).
  test('error summary links to a date or to radios move focus to its first input', async ({
    page,
  }) => {
    test.skip(test.info().project.name !== 'desktop', 'not about the width');
    const href = await openDemoCase(page, 'summary-focus', 'assessing');
    await page.goto(`${href}/record-exception`);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.locator('.govuk-error-summary a[href^="#kind"]').click();
    await expect(page.locator('#kind')).toBeFocused();

    await page.goto('/cases/new');
    await fillDate(page, 'dob', { day: '31', month: '2', year: '2026' });
    await page.getByRole('button', { name: 'Record the request', exact: true }).click();
    await page.locator('.govuk-error-summary a[href^="#dob"]').click();
    await expect(page.locator('#dob')).toBeFocused();
  });

  // The 409 page after a stale edit is titled "Error: " (GOV.UK pattern; screen reader users
  // hear the title first), and saving again from it works on the case as it is now.
  test('the conflict page is titled as an error, and saving again from it works', async ({
    page,
    context,
  }) => {
    test.skip(test.info().project.name !== 'desktop', 'not about the width');
    const href = await openDemoCase(page, 'conflict-again', 'assessing');
    const other = await context.newPage();
    await page.goto(`${href}/add-note`);
    await other.goto(`${href}/add-note`);
    await page.getByRole('textbox', { name: 'Note', exact: true }).fill('First note.');
    await submit(page, page.getByRole('button', { name: 'Save', exact: true }));
    const theirs = `Second note, typed at the same time ${Date.now()}.`;
    await other.getByRole('textbox', { name: 'Note', exact: true }).fill(theirs);
    const response = await submit(other, other.getByRole('button', { name: 'Save', exact: true }));
    expect(response.status()).toBe(409);
    await expect.soft(other).toHaveTitle(/^Error: /);

    const again = await submit(other, other.getByRole('button', { name: 'Save', exact: true }));
    expect(again.status()).toBe(303);
    await expect(other.locator('.wm-note', { hasText: theirs })).toHaveCount(1);
  });

  // The possible-duplicate warning's checkbox is in a fieldset with a legend and described by
  // its error message, so a screen reader user hears why it must be ticked (WCAG 1.3.1, 3.3.1).
  test("the duplicate warning's checkbox is described by its error message", async ({
    page,
  }) => {
    test.skip(test.info().project.name !== 'desktop', 'not about the width');
    const user = createUser('caseworker', uniqueEmail('duplicate', 'desktop'), PASSWORD);
    await signIn(page, user);
    const child = newChild();
    const received = addDays(today(), -7);
    await page.goto('/cases/new');
    await fillRequest(page, { ...child, received });
    expect((await recordRequest(page)).status()).toBe(303);
    await page.goto('/cases/new');
    await fillRequest(page, { ...child, reference: `${child.reference}-2`, received });
    expect((await recordRequest(page)).status()).toBe(422);
    await expect(
      page.getByLabel('This is a different child, or a new request for the same child'),
    ).toHaveAccessibleDescription(/This child may already have a case/);
  });

  // A caseworker records a new request from their caseload: it links to /cases/new.
  test('the caseload leads to the new-request form', async ({ page }) => {
    test.skip(test.info().project.name !== 'desktop', 'not about the width');
    const user = createUser('caseworker', uniqueEmail('new-link', 'desktop'), PASSWORD);
    await signIn(page, user);
    await expect(page).toHaveURL(/\/caseload/);
    const link = page
      .getByRole('link', { name: /new request/i })
      .or(page.getByRole('button', { name: /new request/i }));
    await expect(link).toHaveAttribute('href', '/cases/new');
  });
});
