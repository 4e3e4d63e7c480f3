//! Runs the web service on a throwaway SQLite database, for looking at pages in a browser
//! before `waymark serve` is wired up:
//!
//! ```sh
//! cargo run -p waymark-web --example serve -- [ADDR] [LA NAME]
//! ```
//!
//! ADDR defaults to 127.0.0.1:8080. Stop it with Ctrl-C.

use std::net::SocketAddr;

use waymark_store::prelude::*;
use waymark_web::Config;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let bind: SocketAddr = args.next().as_deref().unwrap_or("127.0.0.1:8080").parse()?;
    let la_name = args
        .next()
        .unwrap_or_else(|| "Northshire County Council".to_string());
    let dir = std::env::temp_dir().join(format!("waymark-web-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let store =
        waymark_store::connect(&format!("sqlite://{}", dir.join("waymark.db").display())).await?;
    store.migrate().await?;
    println!("Waymark on http://{bind}/ (Ctrl-C to stop)");
    waymark_web::serve(store, Config::new(la_name), bind).await?;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
