//! The cookies Waymark sets. They are all strictly necessary (PECR reg 6(4)): the service
//! cannot keep someone signed in or protect its forms without them, so no consent banner is
//! needed. Waymark sets no analytics or tracking cookies; adding one would need a cookie banner
//! and a change to the cookies page, which lists what is here.

use serde::Serialize;

/// The session cookie: an opaque random token naming a session stored in the database.
pub const SESSION: &str = "waymark_session";

/// The CSRF cookie: a random token that every form sends back, so another website cannot
/// submit a form as the signed-in user.
pub const CSRF: &str = "waymark_csrf";

/// A cookie as the cookies page describes it.
#[derive(Debug, Clone, Serialize)]
pub struct CookieInfo {
    /// The cookie's name.
    pub name: &'static str,
    /// What it is for, in plain words.
    pub purpose: &'static str,
    /// When it expires.
    pub expires: &'static str,
}

/// Every cookie Waymark sets, in the order the cookies page lists them.
pub const ALL: &[CookieInfo] = &[
    CookieInfo {
        name: SESSION,
        purpose: "Keeps you signed in as you move from page to page",
        expires: "When you sign out or close your browser, or after a period of not using Waymark",
    },
    CookieInfo {
        name: CSRF,
        purpose: "Checks that forms you send come from Waymark and not from another website",
        expires: "When you close your browser",
    },
];
