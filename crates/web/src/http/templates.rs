//! Page templates (minijinja, compiled into the binary) and the per-request parts of the
//! layout: the navigation ([`Nav`]).
//!
//! Every page extends `layout.html`, which follows the GOV.UK Frontend v6 page template:
//! skip link; a header with the LA's name (generic header: the GOV.UK crown is only for
//! GOV.UK), service navigation with the service name and [`Nav`] items, and the phase banner;
//! `main#main-content`; a footer. Output is HTML-escaped in every `.html` template, so text
//! from users is inert unless a template marks it `|safe` (never do that for user text).
//!
//! Globals every template can use: `service_name`, `la_name`, `asset_url(name)`
//! (see [`crate::assets::url`]) and `csrf_input()`, the hidden field every form must carry
//! (see [`crate::csrf`]). `macros.html` holds the form helpers: `error_summary(errors)`
//! and `field_error(errors, field)`, which read a [`crate::FieldErrors`].

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Html;
use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, Error, ErrorKind, Output, State, Value, context};
use serde::Serialize;
use waymark_store::Store;

use crate::error::AppError;
use crate::session::{CsrfToken, CurrentUser};
use crate::{AppState, Config, assets};

/// The service's name, in the header and page titles.
pub const SERVICE_NAME: &str = "Waymark";

/// Where the source code of this version is published (the footer links to it).
pub const SOURCE_URL: &str = env!("CARGO_PKG_REPOSITORY");

/// Each template's name and source, compiled in. A new template is one more line here.
macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../templates/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = templates![
    "layout.html",
    "macros.html",
    "start.html",
    "cookies.html",
    "accessibility.html",
    "errors/not_found.html",
    "errors/server_error.html",
    "errors/conflict.html",
    "errors/validation.html",
    "errors/form_expired.html",
    "errors/too_many_attempts.html",
    "sign_in.html",
    "sign_in_two_factor.html",
    "sso/problem.html",
    "account.html",
    "account_password.html",
    "account_two_factor.html",
    "account_tokens.html",
    "account_token_created.html",
    "admin/users.html",
    "admin/user_new.html",
    "admin/user_created.html",
    "admin/user.html",
    "admin/audit.html",
    "caseload.html",
    "caseload_macros.html",
    "allocation.html",
    "case.html",
    "case_new.html",
    "actions/form.html",
    "invitations/invite.html",
    "invitations/created.html",
    "invitations/accept.html",
    "invitations/problem.html",
    "organisation/staff.html",
    "organisation/register.html",
    "professional/home.html",
    "professional/request.html",
    "professional/consultation.html",
    "professional/request_assessment.html",
    "family/home.html",
    "family/case.html",
    "family/views.html",
    "family/draft.html",
    "messages/threads.html",
    "messages/thread.html",
    "plan.html",
    "plan_version.html",
    "plan_changes.html",
    "reports/advice.html",
    "reports/advice_overdue.html",
    "reports/kpis.html",
    "reports/cases.html",
];

/// The compiled templates, shared by every request.
#[derive(Clone, Debug)]
pub struct Templates {
    env: Arc<Environment<'static>>,
}

impl Templates {
    /// Compiles every template, with the service name, the LA's name and `asset_url` as
    /// globals.
    ///
    /// # Errors
    /// If a template does not parse (a bug: the tests render every template).
    pub fn new(config: &Config) -> Result<Templates, Error> {
        let mut env = Environment::new();
        // Autoescape for `.html` is minijinja's default. Printing or iterating an undefined
        // value is an error (it hides typos in variable names); `{% if x %}` may still test
        // for an optional one.
        env.set_undefined_behavior(minijinja::UndefinedBehavior::SemiStrict);
        env.set_formatter(html_formatter);
        env.add_global("service_name", SERVICE_NAME);
        env.add_global("la_name", config.la_name.clone());
        // AGPL section 13: users of a network service are offered its source.
        env.add_global("source_url", SOURCE_URL);
        env.add_function("asset_url", asset_url);
        // The single sign-on button's text on the sign-in page; none without single sign-on.
        env.add_global(
            "sso_button",
            config.oidc.as_ref().map(|oidc| oidc.button_label.clone()),
        );
        env.add_function("csrf_input", csrf_input);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)?;
        }
        Ok(Templates { env: Arc::new(env) })
    }

    /// Renders a page: `context` plus the navigation. A template error is a bug; it is
    /// logged (the template's name and the kind of error, not the data) and shown as the 500
    /// page.
    ///
    /// # Errors
    /// [`AppError::Internal`] if the template fails to render.
    pub fn render(
        &self,
        name: &str,
        nav: &Nav,
        context: impl Serialize,
    ) -> Result<Html<String>, AppError> {
        let ctx = context! {
            nav => Serde(nav),
            csrf_token => &nav.csrf_token,
            ..Value::from(Serde(context))
        };
        self.env
            .get_template(name)
            .and_then(|template| template.render(ctx))
            .map(Html)
            .map_err(|err| {
                tracing::error!(template = name, kind = ?err.kind(), "template failed to render");
                AppError::Internal("template")
            })
    }

    /// The underlying environment, for tests that render a template directly.
    pub fn environment(&self) -> &Environment<'static> {
        &self.env
    }
}

/// minijinja's HTML escaping, except that `/` is left alone: escaping it protects nothing
/// in HTML text or quoted attributes, and `href="&#x2f;cases"` makes pages hard to read and
/// test. `& < > " '` are escaped, so user text cannot open a tag or leave an attribute.
fn html_formatter(out: &mut Output, state: &mut State, value: &Value) -> Result<(), Error> {
    if *state.auto_escape() == AutoEscape::Html
        && !value.is_safe()
        && let Some(text) = value.as_str()
    {
        let mut rest = text;
        while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
            out.write_str(&rest[..i])?;
            out.write_str(match rest.as_bytes()[i] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#x27;",
            })?;
            rest = &rest[i + 1..];
        }
        return out.write_str(rest).map_err(Error::from);
    }
    minijinja::escape_formatter(out, state, value)
}

/// `asset_url("waymark.css")` → `/assets/waymark-1a2b3c4d.css`.
fn asset_url(name: &str) -> Result<String, Error> {
    assets::url(name).map(str::to_string).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("no asset named {name:?}"),
        )
    })
}

/// `{{ csrf_input() }}`: the hidden field with the request's CSRF token, for every form.
fn csrf_input(state: &State) -> Value {
    let token = state
        .lookup("csrf_token")
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    // The token is hex, but escape it anyway: this output is marked safe.
    let escaped = minijinja::HtmlEscape(&token).to_string();
    Value::from_safe_string(format!(
        r#"<input type="hidden" name="{}" value="{escaped}">"#,
        crate::csrf::FIELD
    ))
}

/// One link in the service navigation.
#[derive(Debug, Clone, Serialize)]
pub struct NavItem {
    /// The link text.
    pub text: String,
    /// Where it goes.
    pub href: String,
    /// Whether it is the section the user is in (shown as active, with `aria-current`).
    pub current: bool,
    /// Whether it is a button that posts a form to `href` (signing out changes state, so it
    /// is a form with the CSRF token, not a link).
    pub post: bool,
}

/// The links in the service navigation, which depend on who is signed in, and the request's
/// CSRF token (for the "Sign out" button and every form on the page).
///
/// Every page handler extracts it and passes it to [`Templates::render`]. The extractor below
/// builds it from the signed-in user's role ([`policy::sections`]), so no handler chooses
/// navigation itself; signed out it is empty.
#[derive(Clone, Default, Serialize)]
pub struct Nav {
    /// The links, in order.
    pub items: Vec<NavItem>,
    /// The request's CSRF token (see [`crate::csrf`]); templates use `csrf_input()`.
    #[serde(skip)]
    pub csrf_token: String,
}

impl std::fmt::Debug for Nav {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Nav")
            .field("items", &self.items)
            .finish_non_exhaustive()
    }
}

impl Nav {
    /// No links: someone who is not signed in.
    pub fn signed_out() -> Nav {
        Nav::default()
    }

    /// The navigation for a signed-in user: their role's sections, then "Sign out".
    pub fn for_user(user: &CurrentUser) -> Nav {
        let nav = crate::nav::sections(user.role())
            .into_iter()
            .fold(Nav::signed_out(), |nav, section| {
                nav.item(section.label(), section.href())
            });
        let mut nav = nav;
        nav.items.push(NavItem {
            text: "Sign out".to_string(),
            href: "/sign-out".to_string(),
            current: false,
            post: true,
        });
        nav
    }

    /// Adds a link.
    #[must_use]
    pub fn item(mut self, text: impl Into<String>, href: impl Into<String>) -> Nav {
        self.items.push(NavItem {
            text: text.into(),
            href: href.into(),
            current: false,
            post: false,
        });
        self
    }

    /// Marks as current the link whose section contains `path` (the longest `href` that is
    /// `path` or a parent of it), so `/cases/12/advice` highlights "Cases" (`/cases`).
    #[must_use]
    pub fn with_current(mut self, path: &str) -> Nav {
        let best = self
            .items
            .iter()
            .enumerate()
            .filter(|(_, item)| in_section(path, &item.href))
            .max_by_key(|(_, item)| item.href.len())
            .map(|(i, _)| i);
        for (i, item) in self.items.iter_mut().enumerate() {
            item.current = Some(i) == best;
        }
        self
    }
}

fn in_section(path: &str, href: &str) -> bool {
    match path.strip_prefix(href) {
        Some(rest) => rest.is_empty() || rest.starts_with('/') || href.ends_with('/'),
        None => false,
    }
}

impl<S: Store> FromRequestParts<AppState<S>> for Nav {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState<S>,
    ) -> Result<Nav, Self::Rejection> {
        let nav = match parts.extensions.get::<CurrentUser>() {
            Some(user) => Nav::for_user(user),
            None => Nav::signed_out(),
        };
        let mut nav = nav.with_current(parts.uri.path());
        if let Some(token) = parts.extensions.get::<CsrfToken>() {
            nav.csrf_token = token.as_str().to_string();
        }
        Ok(nav)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FieldErrors;

    fn templates() -> Templates {
        match Templates::new(&Config::new("Northshire County Council")) {
            Ok(t) => t,
            Err(err) => panic!("templates do not compile: {err:#}"),
        }
    }

    fn render(name: &str, ctx: Value) -> String {
        let templates = templates();
        match templates.render(name, &Nav::signed_out(), ctx.clone()) {
            Ok(Html(html)) => html,
            Err(err) => {
                // The reason, which `render` logs only by kind.
                let detail = templates
                    .environment()
                    .get_template(name)
                    .and_then(|t| t.render(ctx))
                    .err()
                    .map(|e| format!("{e:#}"));
                panic!("{name} did not render: {err:?} {detail:?}")
            }
        }
    }

    #[test]
    fn current_nav_item_is_the_longest_matching_section() {
        let nav = Nav::signed_out()
            .item("Home", "/")
            .item("Cases", "/cases")
            .item("Reports", "/reports")
            .with_current("/cases/12/advice");
        let current: Vec<_> = nav
            .items
            .iter()
            .filter(|i| i.current)
            .map(|i| &i.text)
            .collect();
        assert_eq!(current, ["Cases"]);
        let nav = nav.with_current("/casesx");
        assert!(nav.items.iter().any(|i| i.current && i.text == "Home"));
    }

    #[test]
    fn nav_items_render_as_govuk_service_navigation() {
        let nav = Nav::signed_out()
            .item("Cases", "/cases")
            .item("Reports", "/reports")
            .with_current("/cases");
        let Ok(Html(html)) = templates().render(
            "cookies.html",
            &nav,
            context! { cookies => Serde(crate::cookies::ALL) },
        ) else {
            panic!("cookies page did not render");
        };
        assert!(html.contains(r#"<ul class="govuk-service-navigation__list" id="navigation">"#));
        assert!(html.contains(
            r#"<li class="govuk-service-navigation__item govuk-service-navigation__item--active">"#
        ));
        assert!(html.contains(r#"aria-current="page""#));
        assert!(html.contains(
            r#"<strong class="govuk-service-navigation__active-fallback">Cases</strong>"#
        ));
        assert!(html.contains(r#"<a class="govuk-service-navigation__link" href="/reports">"#));
    }

    #[test]
    fn error_summary_links_each_message_to_its_field() {
        let mut errors = FieldErrors::new();
        errors.add("reference", "Enter the case reference");
        errors.add(
            "received",
            "The date the request was received must be in the past",
        );
        let src = r#"{% import "macros.html" as m %}{{ m.error_summary(errors) }}"#;
        let html = match templates()
            .environment()
            .render_str(src, context! { errors => Serde(&errors) })
        {
            Ok(out) => out,
            Err(err) => panic!("{err:#}"),
        };
        assert!(
            html.contains(r#"<div class="govuk-error-summary" data-module="govuk-error-summary">"#)
        );
        assert!(
            html.contains(r##"<a href="#reference">Enter the case reference</a>"##),
            "{html}"
        );
        assert!(html.contains(r##"<a href="#received">"##), "{html}");
    }

    #[test]
    fn page_title_starts_with_error_when_there_are_errors() {
        let mut errors = FieldErrors::new();
        errors.add("reference", "Enter the case reference");
        let html = render(
            "errors/validation.html",
            context! { errors => Serde(&errors) },
        );
        assert!(html.contains("<title>Error: There is a problem"), "{html}");
        let html = render(
            "cookies.html",
            context! { cookies => Serde(crate::cookies::ALL) },
        );
        assert!(
            html.contains("<title>Cookies – Waymark – Northshire County Council</title>"),
            "{html}"
        );
    }

    #[test]
    fn field_error_macro_renders_the_govuk_error_message_for_that_field_only() {
        let mut errors = FieldErrors::new();
        errors.add("reference", "Enter the case reference");
        let env = templates();
        let src = r#"{% import "macros.html" as m %}{{ m.field_error(errors, "reference") }}|{{ m.field_error(errors, "other") }}"#;
        let out = match env
            .environment()
            .render_str(src, context! { errors => Serde(&errors) })
        {
            Ok(out) => out,
            Err(err) => panic!("{err:#}"),
        };
        let (reference, other) = out.split_once('|').unwrap_or_default();
        assert!(
            reference.contains(r#"<p id="reference-error" class="govuk-error-message">"#),
            "{reference}"
        );
        assert!(reference.contains(
            r#"<span class="govuk-visually-hidden">Error:</span> Enter the case reference"#
        ));
        assert_eq!(other.trim(), "");
    }

    #[test]
    fn text_is_escaped() {
        let mut errors = FieldErrors::new();
        errors.add("name", "<script>alert(1)</script>");
        let html = render(
            "errors/validation.html",
            context! { errors => Serde(&errors) },
        );
        assert!(!html.contains("<script>alert"));
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        errors = FieldErrors::new();
        errors.add("name", r#"" onmouseover="x' &amp;"#);
        let html = render(
            "errors/validation.html",
            context! { errors => Serde(&errors) },
        );
        assert!(
            html.contains("&quot; onmouseover=&quot;x&#x27; &amp;amp;"),
            "{html}"
        );
    }

    /// What each page's handler gives its template, with made-up values.
    fn sample_context(name: &str, errors: &FieldErrors) -> Value {
        let base = context! { errors => Serde(errors) };
        let extra = match name {
            "cookies.html" => context! { cookies => Serde(crate::cookies::ALL) },
            "errors/too_many_attempts.html" => context! { minutes => 15 },
            "sign_in.html" => context! { email => "", next => "" },
            "sign_in_two_factor.html" => context! { next => "/cases/1" },
            "sso/problem.html" => context! { problem => "not_set_up" },
            "account.html" => context! {
                name => "Ada", email => "ada@example.org", role => "caseworker",
                organisation => (), la => "990", two_factor_allowed => true,
                two_factor_on => false, banner => (),
            },
            "account_two_factor.html" => context! {
                on => true, secret => "ABC", secret_grouped => "ABC", uri => "otpauth://",
            },
            "account_tokens.html" => context! {
                name => "", revoked => true, tokens => vec![context! {
                    id => 1, name => "SEN2 return", created => "1 March 2026 at 9am",
                    last_used => (), revoked => (),
                }],
            },
            "account_token_created.html" => context! { name => "SEN2 return", token => "wmk_0" },
            "admin/users.html" => context! { users => vec![context! {
                id => 1, name => "Ada", email => "a@x.org", role => "admin",
                organisation => (), status => "Locked",
            }] },
            "admin/user_new.html" => context! {
                email => "", name => "", role => "", organisation => "",
                roles => vec![context! { value => "admin", label => "administrator" }],
            },
            "admin/user_created.html" => context! {
                id => 1, name => "Ada", email => "a@x.org", password => "abcde-fghij", new => true,
            },
            "admin/user.html" => context! {
                id => 2, name => "Ada", email => "a@x.org", role => "admin",
                role_label => "administrator", organisation => "Trust", status => "Locked",
                locked => true, locked_until => "4 March 2026 at 2:45pm", failed_sign_ins => 5,
                disabled => false, two_factor => false, created => "1 March 2026 at 9am",
                is_self => false,
                roles => vec![context! { value => "admin", label => "administrator" }],
            },
            "admin/audit.html" => context! {
                case => "12", searched => 12, limit => 200, entries => vec![context! {
                    who => "Ada", user_id => 1, action => "Viewed the case",
                    record => "Case 12", when => "4 March 2026 at 2:45pm", ip => "192.0.2.1",
                }],
            },
            "caseload.html" => context! {
                who => "team", heading => "Team caseload",
                other_view => context! { href => "/caseload?who=mine", text => "Yours" },
                cases => vec![sample_case_row()], showing => "Showing 1 to 1 of 1 case",
                pagination => (), narrowed => true, clear_href => "/caseload", q => "",
                stage => (), stages => vec![context! { value => "assessing", label => "Assessing" }],
                caseworker => "7", caseworkers => vec![context! { value => "7", label => "Ada" }],
                age => (), ages => Vec::<Value>::new(), school => "", overdue => true,
                exceptions => false, sort => "deadline", sorts => Vec::<Value>::new(),
            },
            "allocation.html" => context! {
                outcome => context! { allocated => 1, heading => "1 case allocated to Ada",
                    to => "Ada", to_href => "/caseload?who=team&caseworker=7",
                    refused => vec![context! { name => (), reference => (), why => "No" }] },
                cases => vec![sample_case_row()], ticked => vec!["1"], caseworker => "7",
                note => "", page => 1, showing => "Showing 1 to 1 of 1 unallocated case",
                pagination => (), caseworkers => vec![context! { value => "7", label => "Ada" }],
                loads => vec![context! { name => "Ada", cases => 3, weighted => 7, active => false }],
                weights => vec![context! { stage => "Assessing", weight => 3 }],
            },
            "case.html" => context! {
                id => 1, version => 3, reference => "R1", name => "Ada Lovelace",
                date_of_birth => "1 March 2016", age => 10, upn => "A80120010000Z", uln => (),
                nhs_number => (), address => vec!["1 High Street", "Northby", "NB1 1AA"],
                school => "Hillside Primary", parents => vec![context! {
                    name => "Mary Lovelace", relationship => "Mother", email => "m@example.org",
                    phone => (),
                }],
                stage => "Assessing", stage_key => "assessing", received => "1 March 2026",
                request_reasons => "Needs", caseworker => "Sam", needs => vec!["Autism"],
                closure => (), final_placement => (), today => "2 March 2026", staff => true,
                clocks => vec![context! {
                    label => "Final plan issued", about => (), due => "20 July 2026",
                    done => (), status => "Due", tag => "govuk-tag--blue",
                    days_remaining => 140, days_overdue => (), excused => false,
                }],
                steps => vec![context! { href => "/cases/1/request-advice", label => "Request advice" }],
                others => vec![context! { href => "/cases/1/add-note", label => "Add a note" }],
                advice => vec![context! {
                    number => 1, kind => "Health", organisation => "Trust", requested => "2 March 2026",
                    due => "13 April 2026", received => (), late => false, document => (),
                }],
                consultations => vec![context! {
                    number => 1, school => "Hillside", urn => "100000", sent => "1 May 2026",
                    responded => (), agreed => (),
                }],
                plans => vec![context! { version => 1, saved => "1 May 2026", served => (), issued => false }],
                exceptions => vec![context! { kind => "Missed appointment", from => "1 April 2026", to => (), note => "Ill" }],
                documents => vec![context! {
                    id => 1, title => "Advice", kind => "advice", filename => "a.pdf", version => 2,
                    size => "1 KB", uploaded => "1 May 2026 at 9am", who => "Sam", scan => "Checked for viruses",
                }],
                notes => vec![context! { text => "Phoned", who => "Sam", when => "1 May 2026 at 9am" }],
                timeline => vec![context! { when => "1 May 2026 at 9am", who => "Sam", what => "Note added", detail => "Phoned" }],
                done => "Note added",
                threads => context! { href => "/cases/1/messages", count => 2, unread => 1 },
            },
            "family/home.html" => context! {
                cases => vec![context! { id => 1, name => "Ada Lovelace", now => "We are writing a draft plan" }],
            },
            "family/case.html" => context! {
                id => 1, name => "Ada Lovelace", given_name => "Ada", reference => "R1",
                caseworker => "Sam Caseworker", unread => 1, messages_href => "/cases/1/messages/7",
                views_sent => "1 May 2026 at 9am", done => "Thank you. We have your views.",
                documents => vec![context! { id => 3, title => "Draft plan", filename => "d.pdf", date => "1 June 2026", about => "PDF, 20 KB" }],
                progress => context! {
                    steps => vec![context! { label => "We get the request", state => "done" },
                        context! { label => "We decide if we will assess", state => "now" },
                        context! { label => "We find out what help is needed", state => "next" },
                        context! { label => "We write a draft plan", state => "no" }],
                    next => vec!["Tell us what you think by 15 June 2026."],
                    waiting => vec![context! { what => "Health advice from Trust", due => "1 June 2026", late => true }],
                    rights => context! {
                        decision => "not to assess Ada", letter_date => "1 May 2026",
                        mediation_by => "1 July 2026", appeal_by => "1 July 2026",
                        certificate => (), passed => false, final_plan => true,
                    },
                    draft_open => true, closed => "2 July 2026",
                },
            },
            "family/views.html" => context! {
                id => 1, name => "Ada Lovelace", given_name => "Ada", closed => false,
                sent => (), changed_since_sent => true,
                questions => vec![context! { key => "likes", question => "What I like", hint => "Games", text => "Trains" }],
                files => vec![context! { id => 4, title => "Added", filename => "me.png", date => "1 May 2026", about => "1 KB" }],
            },
            "family/draft.html" => context! {
                id => 1, name => "Ada Lovelace", given_name => "Ada", served => "1 June 2026",
                last_day => "15 June 2026", open => true, received => (), requested_school => (),
                school => "Hillside", pdf => 3,
                sections => vec![context! { key => "b", letter => "B", heading => "Needs for learning", draft => "Reading", comment => "More help" }],
            },
            "messages/threads.html" => context! {
                id => 1, name => "Ada Lovelace", reference => "R1",
                threads => vec![context! {
                    href => "/cases/1/messages/7", name => "Mary Lovelace", organisation => (),
                    relation => "Parent, carer or young person", messages => 2, unread => 1,
                    last => "1 May 2026 at 9am",
                }],
            },
            "messages/thread.html" => context! {
                action => "/cases/1/messages/7", back => "/cases/1/messages", council => true,
                family => true, name => "Ada Lovelace", given_name => "Ada", with => "Mary Lovelace",
                organisation => (), open => true, body => "", sent => true,
                messages => vec![context! {
                    id => 9, mine => true, council => true, who => "You", sent => "1 May 2026 at 9am",
                    body => "Hello", read => "1 May 2026 at 10am",
                    file => context! { href => "/cases/1/messages/7/files/5", name => "a.pdf" },
                }],
                contributions => vec![context! {
                    title => "Their views", sent => "1 May 2026 at 9am",
                    answers => vec![context! { label => "What I like", text => "Trains" }],
                }],
            },
            "case_new.html" => context! {
                form => context! {
                    reference => "", given_name => "", family_name => "", dob => vec!["", "", ""],
                    upn => "", nhs_number => "", parent_name => "", parent_relationship => "",
                    parent_email => "", parent_phone => "", school_urn => "", school_name => "",
                    received => vec!["1", "3", "2026"], source => "", reasons => "",
                },
                sources => vec![context! { value => "PAR", label => "Parent or carer" }],
                duplicates => vec![context! {
                    id => 2, reference => "R2", name => "Ada", date_of_birth => "1 March 2016",
                    stage => "Assessing", why => "Same UPN",
                }],
            },
            "actions/form.html" => context! {
                id => 1, action => "record-exception", title => "Record an exception",
                name => "Ada", reference => "R1", stage => "Assessing", version => 3,
                multipart => true, conflict => true, today => "1 March 2026",
                v => context! { kind => "", note => "" },
                dates => context! { on => vec!["1", "3", "2026"], from => vec!["", "", ""], to => vec!["", "", ""] },
                c => context! {
                    exception_kinds => vec![context! { value => "missed_appointment", label => "Missed appointment" }],
                },
            },
            "plan.html" => context! {
                id => 1, name => "Ada", reference => "R1", version => 3, latest => 1, conflict => false,
                sections => vec![context! {
                    key => "a", letter => "A", heading => "Views", text => "Likes trains", autosaved => (),
                }],
            },
            "plan_version.html" => context! {
                id => 1, name => "Ada", reference => "R1", version => 2, saved => "1 May 2026",
                served => (), issued => (), latest => 2,
                sections => vec![context! { letter => "A", heading => "Views", text => "Likes trains" }],
            },
            "reports/advice.html" => context! {
                today => "1 June 2026", months => vec!["May 2026", "Jun 2026"], owed => 3,
                overdue => 1, drill_down => true,
                rows => vec![context! {
                    organisation => "Trust", href => "/reports/advice/overdue?organisation=Trust",
                    kind => "Health", open => 3, overdue => 1,
                    most_days_overdue => 12, answered => 4, on_time => "75%",
                    months => vec![context! { due => 2, on_time => 1, percent => 50.0 }, context! { due => 0, on_time => 0, percent => () }],
                }],
            },
            "reports/kpis.html" => {
                let share = context! { part => 1, whole => 2, percent => "50.0%", text => "1 of 2 (50.0%)" };
                let chart = context! { max => "100", bars => vec![context! {
                    x => "40", width => "10", y => "60", height => "50", label => "Jan 2026", text => "1 of 2 (50.0%)",
                }] };
                context! {
                    errors => (), form => context! { from => vec!["1", "1", "2026"], to => vec!["31", "3", "2026"] },
                    from => "1 January 2026", to => "31 March 2026", query => "from-day=1",
                    requests => 5, requests_href => "/reports/cases?figure=requests",
                    decided => share.clone(), decided_late_href => (), refused_assess => share.clone(),
                    refused_assess_href => (), refused_issue => share.clone(), refused_issue_href => (),
                    twenty => share.clone(), twenty_excl => share.clone(), issued_late_href => (),
                    reviews_due => share.clone(), reviews_overdue => 1, reviews_overdue_href => "/reports/cases?figure=reviews_overdue",
                    reviews_held => 3, review_decisions => share.clone(), amended => share.clone(), amended_late_href => (),
                    national => context! { from => "1 January 2026", to => "31 March 2026", whole => true,
                        twenty => share.clone(), twenty_excl => share.clone(), decided => share.clone(),
                        refused_assess => share.clone(), reviews_due => share.clone(),
                        review_decisions => share.clone(), amended => share.clone() },
                    months => vec![context! { label => "Jan 2026", requests => 2, twenty => share.clone(), twenty_excl => share.clone(), reviews_due => share }],
                    twenty_chart => chart.clone(), requests_chart => chart,
                    ages => vec![context! { label => "Under 6 weeks", count => 1, href => "/reports/cases?figure=open" }],
                    backlog => vec![context! { label => "Assessing", total => 1, href => (),
                        cells => vec![context! { count => 1, href => "/reports/cases?figure=open" }] }],
                    backlog_total => 1, backlog_href => (), active => 4, active_href => (),
                    plan_ages => vec![context! { label => "Under 5", count => 1 }],
                    needs => vec![context! { label => "Autistic spectrum disorder (ASD)", count => 3 }],
                    placements => vec![context! { label => "Not recorded", count => 2 }],
                    caseload => vec![context! { name => "Sam", open_cases => 5, open_requests => 2 }],
                }
            }
            "reports/cases.html" => context! {
                total => 1, shown => 1, from => "1 January 2026", to => "31 March 2026",
                back => "/reports?from-day=1",
                rows => vec![context! { id => 1, name => "Ada Okafor", received => "1 March 2026" }],
            },
            "reports/advice_overdue.html" => context! {
                organisation => "Trust",
                rows => vec![context! {
                    id => 1, name => "Ada", reference => "R1", requested => "1 March 2026",
                    due => "12 April 2026", days => 12, caseworker => (),
                }],
            },
            "plan_changes.html" => context! {
                id => 1, name => "Ada", reference => "R1", from => 1, to => 2, any_changed => true,
                versions => vec![context! { value => 1, label => "Version 1" }],
                sections => vec![context! {
                    letter => "A", heading => "Views", changed => true,
                    runs => vec![context! { tag => "added", text => "trains" }],
                }],
            },
            "invitations/invite.html" => context! {
                id => 1, name => "Ada Lovelace", reference => "R1", young_person_allowed => false,
                form => context! {
                    kind => "professional", name => "", email => "", organisation => "new",
                    org_kind => "school", org_name => "Hillside", org_urn => "100000",
                    relation => "advice", organisation_admin => "yes",
                },
                organisations => vec![context! { value => "1", label => "Riverside NHS Trust" }],
                kinds => vec![context! { value => "school", label => "School" }],
                awaited => vec!["Riverside NHS Trust"],
                invitations => vec![context! {
                    name => "Sam", email => "s@x.org", who => "Parent or carer",
                    status => "Expired", tag => "govuk-tag--grey", invited => "1 May 2026 at 9am",
                }],
            },
            "invitations/created.html" => context! {
                name => "Sam", email => "s@x.org", link => "https://x/invitations/ab", number => 1,
                expires => "8 May 2026 at 9am", back_href => "/cases/1/invite", back_label => "Back",
            },
            "invitations/accept.html" => context! {
                token => "ab", mode => "new", name => "Sam", email => "s@x.org",
                purpose => "to give advice", professional => true,
                expires => "8 May 2026 at 9am", sign_in_href => "/sign-in?next=x",
            },
            "invitations/problem.html" => context! { problem => "expired" },
            "organisation/staff.html" => context! {
                form => context! { organisation => "1", name => "", email => "", admin => "" },
                organisations => vec![context! {
                    id => 1, name => "Hillside", kind => "School", urn => "100000",
                    staff => vec![context! {
                        id => 2, name => "Sam", email => "s@x.org", admin => true,
                        removed => false, is_self => false,
                    }],
                    waiting => vec![context! { name => "Al", email => "a@x.org", status => "Waiting", tag => "govuk-tag--blue" }],
                }],
                options => vec![context! { value => "1", label => "Hillside" }],
                removed => "Al",
            },
            "organisation/register.html" => context! {
                form => context! {
                    kind => "", name => "", urn => "", organisation => "", admin_name => "",
                    admin_email => "",
                },
                organisations => vec![context! {
                    id => 1, name => "Hillside", kind => "School", urn => "100000", staff => 2, admins => 1,
                }],
                options => vec![context! { value => "1", label => "Hillside" }],
                kinds => vec![context! { value => "school", label => "School" }],
                registered => "Hillside",
            },
            "professional/home.html" => context! {
                done => "Sent", organisations => vec!["Hillside"],
                requests => vec![context! {
                    href => "/advice/1/1", name => "Ada", date_of_birth => "1 March 2016",
                    kind => "Education", organisation => "Hillside", reasons => "Needs",
                    requested => "1 May 2026",
                    due => context! { date => "12 June 2026", status => "Due soon", tag => "govuk-tag--yellow", days => "3 days left" },
                }],
                waiting => vec![context! { name => "Bea", date_of_birth => "1 May 2017", stage => "Assessing", received => "1 May 2026" }],
                school => "Hillside",
                consultations => vec![context! {
                    href => "/consultations/1/1", name => "Ada", date_of_birth => "1 March 2016", sent => "1 May 2026",
                    due => context! { date => "16 May 2026", status => "Overdue", tag => "govuk-tag--red", days => "1 day overdue" },
                }],
                reviews => vec![context! {
                    name => "Cy", date_of_birth => "1 March 2015", issued => "1 May 2025",
                    due => context! { date => "1 May 2026", status => "Overdue", tag => "govuk-tag--red", days => "1 day overdue" },
                }],
                manages => true,
            },
            "professional/request.html" => context! {
                id => 1, number => 1, name => "Ada", date_of_birth => "1 March 2016", age => 10,
                reference => "R1", school => "Hillside", kind => "Health", organisation => "Trust",
                reasons => "Needs", stage => "Assessing", requested => "1 May 2026",
                due => context! { date => "12 June 2026", status => "Due soon", tag => "govuk-tag--yellow", days => "3 days left" },
                parts => vec![context! { key => "needs", heading => "Needs", hint => "What", text => "" }],
                values => context! { reason => "other", details => "" },
                messages_href => "/cases/1/messages",
            },
            "professional/consultation.html" => context! {
                id => 1, number => 1, name => "Ada", date_of_birth => "1 March 2016", age => 10,
                school => "Hillside", urn => "100000", sent => "1 May 2026", reasons => "Needs",
                due => context! { date => "16 May 2026", status => "Due soon", tag => "govuk-tag--yellow", days => "3 days left" },
                form => context! { agreed => "" },
            },
            "professional/request_assessment.html" => context! {
                school => "Hillside",
                form => context! {
                    given_name => "", family_name => "", dob => vec!["", "", ""], upn => "",
                    parent_name => "", parent_relationship => "", parent_email => "", reasons => "",
                },
            },
            _ => context! {},
        };
        context! { ..base, ..extra }
    }

    /// A row of a caseload table (`routes::caseload::case_rows`).
    fn sample_case_row() -> Value {
        context! {
            id => 1, reference => "R1", name => "Ada Lovelace", date_of_birth => "1 March 2016",
            stage => "Assessing", deadline => "Final EHC plan issued", due => "20 July 2026",
            days => "3 days overdue", rag => "red", rag_label => "Overdue", exception => true,
            caseworker => (),
        }
    }

    #[test]
    fn every_template_renders() {
        let errors = FieldErrors::new();
        for (name, _) in TEMPLATES {
            if *name == "layout.html" || name.ends_with("macros.html") {
                continue;
            }
            let html = render(name, sample_context(name, &errors));
            assert!(html.starts_with("<!DOCTYPE html>"), "{name}");
            assert!(html.contains("Northshire County Council"), "{name}");
        }
    }
}
