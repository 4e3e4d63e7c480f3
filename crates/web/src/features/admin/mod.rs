//! The LA's administration: its accounts ([`users`]) and its audit trail ([`audit`]).

pub mod audit;
pub mod users;
