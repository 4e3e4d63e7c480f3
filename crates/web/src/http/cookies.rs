//! The cookies Waymark sets. They are all strictly necessary (PECR reg 6(4)): the service
//! cannot keep someone signed in or protect its forms without them, so no consent banner is
//! needed. Waymark sets no analytics or tracking cookies; adding one would need a cookie banner
//! and a change to the cookies page, which lists what is here.
//!
//! Behind TLS every name gets the `__Host-` prefix, which browsers accept only on a cookie that
//! is `Secure`, has `Path=/` and no `Domain`: another site on a subdomain cannot set or
//! overwrite it. Every cookie is `HttpOnly` (no script reads it) and none has a `Domain`.
//!
//! Reading and writing the `Cookie` and `Set-Cookie` headers is done here by hand: Waymark's
//! cookies hold only its own hex tokens, so the general cookie grammar (quoting, encodings,
//! dates) is never needed, and a cookie crate would add a second way of doing it.

use axum::http::HeaderValue;
use axum::http::header::{COOKIE, HeaderMap};
use serde::Serialize;

/// The session cookie: an opaque random token naming a session stored in the database.
pub const SESSION: &str = "waymark-session";

/// The CSRF cookie, set only while signed out: a random token that the sign-in form sends
/// back, so another website cannot submit it (once signed in, the session's own token is used).
pub const CSRF: &str = "waymark-csrf";

/// Set for a few minutes between the password and the second-factor code: names the sign-in
/// that is half done.
pub const TWO_FACTOR: &str = "waymark-two-factor";

/// Set for up to 10 minutes while signing in with a council account (single sign-on): ties
/// the provider's answer to the browser that asked (see `routes/sso.rs`).
pub const SSO: &str = "waymark-sso";

/// A cookie as the cookies page describes it.
#[derive(Debug, Clone, Serialize)]
pub struct CookieInfo {
    /// The cookie's name (without the `__Host-` prefix used behind TLS).
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
        expires: "When you sign out or close your browser, after 30 minutes of not using \
                  Waymark, or 12 hours after you signed in",
    },
    CookieInfo {
        name: CSRF,
        purpose: "Checks that forms you send come from Waymark and not from another website",
        expires: "When you close your browser",
    },
    CookieInfo {
        name: TWO_FACTOR,
        purpose: "Remembers that you have entered your password while you enter the code from \
                  your authenticator app",
        expires: "After 5 minutes, or when you have finished signing in",
    },
    CookieInfo {
        name: SSO,
        purpose: "Checks that you are the person who started signing in with your council \
                  account",
        expires: "After 10 minutes, or when you have finished signing in",
    },
];

/// A cookie's name on this instance: `__Host-NAME` behind TLS, else `NAME`.
pub fn name(base: &str, behind_tls: bool) -> String {
    if behind_tls {
        format!("__Host-{base}")
    } else {
        base.to_string()
    }
}

/// The value of the named cookie in a request's `Cookie` headers, if it is there.
pub fn get<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// How far a cookie is sent with requests started by other sites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameSite {
    /// Sent when following a link from another site, not with its forms or scripts: the
    /// session, so a link in an email opens the page signed in.
    Lax,
    /// Never sent with a request another site starts.
    Strict,
}

/// A `Set-Cookie` value for a cookie that ends when the browser closes (no `Max-Age`: the
/// server ends sessions; the browser forgets the cookie when it closes).
pub fn set(name: &str, value: &str, same_site: SameSite, behind_tls: bool) -> HeaderValue {
    build(name, value, same_site, behind_tls, None)
}

/// A `Set-Cookie` value that lasts `max_age_seconds`.
pub fn set_for(
    name: &str,
    value: &str,
    same_site: SameSite,
    behind_tls: bool,
    max_age_seconds: i64,
) -> HeaderValue {
    build(name, value, same_site, behind_tls, Some(max_age_seconds))
}

/// A `Set-Cookie` value that deletes the named cookie.
pub fn clear(name: &str, behind_tls: bool) -> HeaderValue {
    build(name, "", SameSite::Lax, behind_tls, Some(0))
}

fn build(
    name: &str,
    value: &str,
    same_site: SameSite,
    behind_tls: bool,
    max_age: Option<i64>,
) -> HeaderValue {
    let same_site = match same_site {
        SameSite::Lax => "Lax",
        SameSite::Strict => "Strict",
    };
    let mut text = format!("{name}={value}; Path=/; HttpOnly; SameSite={same_site}");
    if let Some(seconds) = max_age {
        text.push_str(&format!("; Max-Age={seconds}"));
    }
    if behind_tls {
        text.push_str("; Secure");
    }
    // Names are ours and values are hex tokens: always a valid header value.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_prefix_only_behind_tls() {
        assert_eq!(name(SESSION, true), "__Host-waymark-session");
        assert_eq!(name(SESSION, false), "waymark-session");
    }

    #[test]
    fn session_cookie_is_http_only_lax_and_secure_behind_tls() {
        assert_eq!(
            set("__Host-waymark-session", "ab12", SameSite::Lax, true),
            "__Host-waymark-session=ab12; Path=/; HttpOnly; SameSite=Lax; Secure"
        );
        assert_eq!(
            set("waymark-csrf", "cd", SameSite::Strict, false),
            "waymark-csrf=cd; Path=/; HttpOnly; SameSite=Strict"
        );
        assert_eq!(
            clear("waymark-session", false),
            "waymark-session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
        );
    }

    #[test]
    fn cookies_are_found_by_exact_name_in_any_cookie_header() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("a=1; waymark-session-x=2"));
        headers.append(COOKIE, HeaderValue::from_static("waymark-session=abc"));
        assert_eq!(get(&headers, "waymark-session"), Some("abc"));
        assert_eq!(get(&headers, "a"), Some("1"));
        assert_eq!(get(&headers, "b"), None);
    }
}
