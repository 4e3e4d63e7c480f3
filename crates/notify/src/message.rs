//! The text of each notification sent by SMTP: a subject and a short plain-text body in
//! British English, written the GOV.UK way. It holds the recipient's first name, the link and,
//! where there is one, a due date — never the child's name or anything else about the case,
//! since email is not a secure channel: what it is about is read in Waymark after signing in.
//!
//! GOV.UK Notify keeps its own copy of these texts in its templates (`docs/notifications.md`
//! has them with Notify's `((placeholders))`).

use serde_json::Value;
use waymark_app::notices::template;

use crate::SendError;

/// An email ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
}

/// What fills a template, read from a notification's personalisation.
struct Fill<'a> {
    first_name: &'a str,
    link: &'a str,
    due_date: Option<&'a str>,
}

/// The closing lines of every email.
const FOOTER: &str = "This email was sent automatically by Waymark. Do not reply to it: \
                      sign in to send a message instead.";

/// Writes the email for a template from the notification's personalisation
/// (`{first_name, link, due_date?}`).
///
/// # Errors
/// A [`SendError`] that is not retryable if the template is unknown or the personalisation has
/// no link: sending it again would fail the same way.
pub fn render(template_name: &str, personalisation: &Value) -> Result<Email, SendError> {
    let text = |key: &str| personalisation.get(key).and_then(Value::as_str);
    let fill = Fill {
        first_name: text("first_name").unwrap_or("").trim(),
        link: text("link")
            .filter(|l| !l.trim().is_empty())
            .ok_or_else(|| SendError::rejected("the notification has no link to send"))?,
        due_date: text("due_date").filter(|d| !d.trim().is_empty()),
    };
    let (subject, paragraphs) = match template_name {
        template::INVITE => invite(&fill),
        template::ADVICE_REQUESTED => advice_requested(&fill),
        template::ADVICE_REMINDER => advice_reminder(&fill),
        template::ADVICE_OVERDUE => advice_overdue(&fill),
        template::DRAFT_PLAN_SENT => draft_plan_sent(&fill),
        template::DECISION_MADE => decision_made(&fill),
        template::MESSAGE_RECEIVED => message_received(&fill),
        other => {
            return Err(SendError::rejected(format!(
                "there is no email text for the template '{other}'"
            )));
        }
    };
    let greeting = if fill.first_name.is_empty() {
        "Hello,".to_string()
    } else {
        format!("Dear {},", fill.first_name)
    };
    let mut body = greeting;
    for paragraph in paragraphs.iter().chain([&FOOTER.to_string()]) {
        body.push_str("\n\n");
        body.push_str(paragraph);
    }
    body.push('\n');
    Ok(Email { subject, body })
}

/// A link on its own line, after a lead-in.
fn link(lead: &str, fill: &Fill) -> String {
    format!("{lead}\n{}", fill.link)
}

fn invite(fill: &Fill) -> (String, Vec<String>) {
    (
        "You have been invited to use Waymark".into(),
        vec![
            "You have been invited to use Waymark, the service your council uses for \
             education, health and care (EHC) needs assessments and plans."
                .into(),
            link("Use this link to set up your account:", fill),
            "The link works once and stops working after a few days. If you were not \
             expecting this email, you can ignore it."
                .into(),
        ],
    )
}

fn advice_requested(fill: &Fill) -> (String, Vec<String>) {
    let mut lines = vec![
        "Your advice has been asked for in an education, health and care (EHC) needs assessment."
            .to_string(),
    ];
    if let Some(due) = fill.due_date {
        lines.push(format!("Please send it by {due}."));
    }
    lines.push(link(
        "Sign in to see the request and send your advice:",
        fill,
    ));
    ("Advice requested for an EHC needs assessment".into(), lines)
}

fn advice_reminder(fill: &Fill) -> (String, Vec<String>) {
    let (subject, due_line) = match fill.due_date {
        Some(due) => (
            format!("Reminder: advice due by {due}"),
            format!(
                "This is a reminder that your advice for an education, health and care (EHC) \
                 needs assessment is due by {due}."
            ),
        ),
        None => (
            "Reminder: advice due soon".to_string(),
            "This is a reminder that your advice for an education, health and care (EHC) \
             needs assessment is due soon."
                .to_string(),
        ),
    };
    (
        subject,
        vec![
            due_line,
            link("Sign in to send it:", fill),
            "If you have sent it already, thank you: you do not need to do anything.".into(),
        ],
    )
}

fn advice_overdue(fill: &Fill) -> (String, Vec<String>) {
    let due_line = match fill.due_date {
        Some(due) => format!(
            "Your advice for an education, health and care (EHC) needs assessment was due on \
             {due} and has not been received."
        ),
        None => "Your advice for an education, health and care (EHC) needs assessment is \
                 overdue."
            .to_string(),
    };
    (
        "Advice is overdue".into(),
        vec![
            due_line,
            "Please send it as soon as you can, or send a message to say when it will be ready."
                .into(),
            link("Sign in to send it:", fill),
        ],
    )
}

fn draft_plan_sent(fill: &Fill) -> (String, Vec<String>) {
    let mut lines = vec![
        "The draft education, health and care (EHC) plan is ready for you to read.".to_string(),
    ];
    lines.push(match fill.due_date {
        Some(due) => format!(
            "You can comment on it, and ask for a school or other setting to be named in it, \
             until {due}."
        ),
        None => "You can comment on it, and ask for a school or other setting to be named \
                 in it."
            .to_string(),
    });
    lines.push(link("Sign in to read it:", fill));
    (
        "The draft EHC plan is ready for your comments".into(),
        lines,
    )
}

fn decision_made(fill: &Fill) -> (String, Vec<String>) {
    (
        "A decision has been made".into(),
        vec![
            "The council has made a decision about the education, health and care (EHC) \
             needs assessment."
                .into(),
            link("Sign in to read the letter:", fill),
        ],
    )
}

fn message_received(fill: &Fill) -> (String, Vec<String>) {
    (
        "You have a new message".into(),
        vec![
            "You have a new message about an education, health and care (EHC) needs \
             assessment."
                .into(),
            link("Sign in to read it:", fill),
        ],
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    fn fill(due: Option<&str>) -> Value {
        let mut p = json!({"first_name": "Grace", "link": "https://send.example/cases/7"});
        if let Some(due) = due {
            p["due_date"] = json!(due);
        }
        p
    }

    #[test]
    fn every_template_has_text_with_the_first_name_and_link() {
        for name in template::ALL {
            let email =
                render(name, &fill(Some("4 March 2026"))).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(email.body.starts_with("Dear Grace,\n\n"), "{name}");
            assert!(
                email.body.contains("\nhttps://send.example/cases/7\n"),
                "{name}"
            );
            assert!(!email.subject.is_empty(), "{name}");
        }
    }

    #[test]
    fn reminders_give_the_due_date() {
        let email = render(template::ADVICE_REMINDER, &fill(Some("4 March 2026"))).unwrap();
        assert_eq!(email.subject, "Reminder: advice due by 4 March 2026");
        assert!(email.body.contains("is due by 4 March 2026."));
    }

    #[test]
    fn a_missing_due_date_leaves_out_its_sentence() {
        let email = render(template::ADVICE_REQUESTED, &fill(None)).unwrap();
        assert!(!email.body.contains("Please send it by"));
    }

    #[test]
    fn an_unknown_template_is_refused_for_good() {
        let error = render("newsletter", &fill(None)).unwrap_err();
        assert!(!error.retryable);
    }

    #[test]
    fn a_notification_without_a_link_is_refused_for_good() {
        let error = render(template::INVITE, &json!({"first_name": "Grace"})).unwrap_err();
        assert!(!error.retryable);
    }

    #[test]
    fn no_first_name_gives_a_plain_greeting() {
        let email = render(
            template::DECISION_MADE,
            &json!({"link": "https://send.example/cases/7"}),
        )
        .unwrap();
        assert!(email.body.starts_with("Hello,\n\n"));
    }
}
