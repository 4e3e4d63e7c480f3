//! Signing in and out, and the account's own security: password sign-in with lock-out and a
//! second factor ([`sign_in`], [`two_factor`]), single sign-on for LA staff ([`sso`] on
//! [`oidc`]), the account page ([`account`]) and API tokens ([`tokens`]). The rules (hashing,
//! who may) are `waymark_app`'s; this is their HTTP side.

pub mod account;
pub mod oidc;
pub mod sign_in;
pub mod sso;
pub mod tokens;
pub mod two_factor;
