//! Annual reviews and amended plans on the caseworker's case page, over HTTP: the "Reviews"
//! section, the four review actions' forms (a review recorded, decided, amendments sent, the
//! amended plan issued), a late decision shown as late, the forms' mistakes and the case
//! rules' refusals (422 with the error summary, nothing written), and the audit trail.

use chrono::{Months, NaiveDate};
use waymark_store::domain::actor::Role;
use waymark_store::prelude::*;

use crate::app::{LA_CODE, TestApp, la_code};
use crate::case_pages::{act, case_version, days_ago};

/// A date as the pages write it ("3 March 2026").
fn long(day: NaiveDate) -> String {
    day.format("%-d %B %Y").to_string()
}

/// The page's "Reviews" section, up to the next section.
fn reviews_section(body: &str) -> &str {
    let start = body
        .find("id=\"reviews\"")
        .unwrap_or_else(|| panic!("no Reviews section: {body}"));
    let rest = &body[start..];
    let end = rest[1..].find("<h2").map_or(rest.len(), |i| i + 1);
    &rest[..end]
}

#[tokio::test]
async fn a_review_is_recorded_decided_and_the_amended_plan_issued_from_the_case_page() {
    let app = TestApp::spawn().await;
    let issued = days_ago(170);
    let case = app.add_case_with_plan("Ada", issued).await;
    let (_, mut browser) = app.sign_in_as(Role::Caseworker).await;
    let path = format!("/cases/{}", case.id.0);

    let page = browser.get(&path).await;
    assert_eq!(page.status, 200);
    let section = reviews_section(&page.body);
    assert!(section.contains("No reviews recorded yet"), "{section}");
    let first_due = issued + Months::new(12);
    assert!(
        section.contains(&format!(
            "The next review meeting is due by {}",
            long(first_due)
        )),
        "{section}"
    );
    assert!(page.body.contains("Record an annual review meeting"));

    // The meeting.
    let meeting = days_ago(60);
    let done = act(
        &mut browser,
        case.id,
        "record-review",
        &[],
        &[("on", meeting)],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let page = browser.get(done.header("location")).await;
    assert!(page.body.contains("Annual review meeting recorded"));
    let section = reviews_section(&page.body);
    assert!(section.contains("Annual review 1"), "{section}");
    assert!(section.contains(&long(meeting)));
    assert!(section.contains("Not decided yet"));
    assert!(
        section.contains(&format!(
            "The next review meeting is due by {}",
            long(meeting + Months::new(12))
        )),
        "{section}"
    );

    // The decision, 20 days after the meeting: in time.
    let form = browser
        .get(&format!("/cases/{}/decide-review", case.id.0))
        .await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("Amend the plan"));
    assert!(form.body.contains(&format!(
        "Decision due by {} (4 weeks after the meeting)",
        long(meeting + chrono::Duration::days(28))
    )));
    let decided = days_ago(40);
    let done = act(
        &mut browser,
        case.id,
        "decide-review",
        &[("number", "1"), ("outcome", "amend")],
        &[("on", decided)],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let page = browser.get(&path).await;
    let section = reviews_section(&page.body);
    assert!(
        section.contains(&format!("Amend the plan, {}", long(decided))),
        "{section}"
    );
    assert!(section.contains("govuk-tag--green\">In time</strong>"));
    assert!(section.contains("Not sent yet"));

    // Amendments, then the final amended plan within its 8 weeks.
    let sent = days_ago(30);
    let done = act(
        &mut browser,
        case.id,
        "send-amendments",
        &[("number", "1")],
        &[("on", sent)],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let page = browser.get(&path).await;
    let section = reviews_section(&page.body);
    assert!(section.contains(&format!("Sent to the family {}", long(sent))));
    assert!(section.contains("Not issued yet"));
    assert!(section.contains(&long(sent + chrono::Duration::days(56))));
    let amended = days_ago(10);
    let done = act(
        &mut browser,
        case.id,
        "issue-amended-plan",
        &[("number", "1")],
        &[("on", amended)],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let page = browser.get(done.header("location")).await;
    assert!(page.body.contains("Final amended plan issued"));
    let section = reviews_section(&page.body);
    assert!(section.contains(&format!("Issued {}", long(amended))));
    assert!(!section.contains("Late"), "{section}");
    assert!(
        page.body
            .contains("Annual review 1: final amended plan issued on")
    );

    // Each change is in the audit trail under its command's name.
    let trail = app
        .store
        .search_audit(&la_code(LA_CODE), Some(case.id), None, 100)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    for name in [
        "record_review_meeting",
        "decide_after_review",
        "send_proposed_amendments",
        "issue_amended_plan",
    ] {
        assert!(actions.contains(&name), "{name} not in {actions:?}");
    }
}

#[tokio::test]
async fn a_decision_more_than_four_weeks_after_the_meeting_is_shown_as_late() {
    let app = TestApp::spawn().await;
    let case = app.add_case_with_plan("Bea", days_ago(170)).await;
    let (_, mut browser) = app.sign_in_as(Role::Caseworker).await;
    let meeting = days_ago(60);
    let done = act(
        &mut browser,
        case.id,
        "record-review",
        &[],
        &[("on", meeting)],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.body);

    // The form's mistakes: no outcome; ceasing without reasons.
    let page = act(
        &mut browser,
        case.id,
        "decide-review",
        &[("number", "1")],
        &[("on", days_ago(31))],
    )
    .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("govuk-error-summary"));
    assert!(
        page.body
            .contains("Select whether to maintain, amend or cease the plan")
    );
    let page = act(
        &mut browser,
        case.id,
        "decide-review",
        &[("number", "1"), ("outcome", "cease")],
        &[("on", days_ago(31))],
    )
    .await;
    assert_eq!(page.status, 422);
    assert!(
        page.body
            .contains("Enter the reasons for ceasing to maintain the plan")
    );

    // 29 days after the meeting: one day late.
    let done = act(
        &mut browser,
        case.id,
        "decide-review",
        &[("number", "1"), ("outcome", "maintain")],
        &[("on", days_ago(31))],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let page = browser.get(&format!("/cases/{}", case.id.0)).await;
    let section = reviews_section(&page.body);
    assert!(
        section.contains(&format!("Maintain the plan, {}", long(days_ago(31)))),
        "{section}"
    );
    assert!(
        section.contains("govuk-tag--red\">Late</strong>"),
        "{section}"
    );
    assert!(section.contains(&format!(
        "Due within 4 weeks of the meeting, by {}",
        long(meeting + chrono::Duration::days(28))
    )));
    // Maintained: no amendments to send, and the next meeting can be recorded.
    assert!(!section.contains("Proposed amendments"));
    assert!(!page.body.contains("Send proposed amendments"));
    assert!(page.body.contains("Record an annual review meeting"));
}

#[tokio::test]
async fn a_backdated_or_future_review_meeting_is_refused_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let issued = days_ago(170);
    let case = app.add_case_with_plan("Cy", issued).await;
    let (_, mut browser) = app.sign_in_as(Role::Caseworker).await;
    let before = case_version(&app, case.id).await;

    let backdated = days_ago(171);
    let page = act(
        &mut browser,
        case.id,
        "record-review",
        &[],
        &[("on", backdated)],
    )
    .await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("govuk-error-summary"));
    assert!(page.body.contains("href=\"#on\""), "{}", page.body);
    assert!(
        page.body.contains(&format!(
            "The date of the review meeting ({}) cannot be before the final plan was issued ({})",
            long(backdated),
            long(issued)
        )),
        "{}",
        page.body
    );
    assert_eq!(case_version(&app, case.id).await, before);

    let tomorrow = days_ago(-1);
    let page = act(
        &mut browser,
        case.id,
        "record-review",
        &[],
        &[("on", tomorrow)],
    )
    .await;
    assert_eq!(page.status, 422);
    assert!(
        page.body.contains("cannot be in the future"),
        "{}",
        page.body
    );
    assert_eq!(case_version(&app, case.id).await, before);

    // Nothing to decide before a meeting: the form is not offered.
    let page = browser
        .get(&format!("/cases/{}/decide-review", case.id.0))
        .await;
    assert_eq!(page.status, 409);
}
