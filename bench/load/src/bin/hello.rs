//! The comparator: an axum hello-world (`GET /` answers "Hello, world!") on tokio's
//! multi-threaded runtime, the same axum 0.8 / hyper 1 stack `waymark serve` runs on. Whatever
//! Waymark's pages cost beyond this is Waymark's own work (sessions, queries, templates,
//! audit).
//!
//! Usage: `hello 127.0.0.1:18301`

use anyhow::Context;
use axum::Router;
use axum::routing::get;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let bind = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18301".to_string());
    let app = Router::new().route("/", get(|| async { "Hello, world!" }));
    let listener = tokio::net::TcpListener::bind(&bind)
        .await
        .with_context(|| format!("binding {bind}"))?;
    axum::serve(listener, app).await.context("serving")?;
    Ok(())
}
