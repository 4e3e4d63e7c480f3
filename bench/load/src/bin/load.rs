//! A small closed-loop HTTP/1.1 load generator: N keep-alive connections, each sending one
//! request, reading the whole response, and sending the next, for a fixed time after a warm-up.
//! Latencies go into an HDR histogram; the result is one JSON object on standard output.
//!
//! Written here rather than taken from oha or goose so that the comparator (an axum
//! hello-world) and Waymark are driven by exactly the same few lines, the build stays small,
//! and paths can rotate (the case page asks for hundreds of different cases). The HTTP itself
//! is hyper's client connection (Content-Length and chunked bodies, keep-alive), not a parser
//! of our own.
//!
//! Closed loop: a slow answer delays that connection's next request, so the percentiles are
//! of the requests made, not of a fixed arrival rate (no correction for coordinated omission).
//!
//! A request counts if it *started* within the measured period (after the warm-up, before the
//! end); the throughput is those requests over the time from the end of the warm-up to the last
//! of them finishing. Non-2xx answers and failed requests are counted (warm-up ones too, apart)
//! and reported; the caller decides whether that fails the run.
//!
//! Usage:
//! `load --url http://127.0.0.1:18300 --path /cases/1 --path /cases/2 -H 'Cookie: a=b'
//!  --connections 64 --duration 20 --warmup 3`

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{HOST, HeaderName, HeaderValue};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::TcpStream;

/// The command line.
#[derive(Debug, Parser)]
#[command(about = "Closed-loop HTTP/1.1 load generator printing JSON")]
struct Args {
    /// The server, `http://HOST:PORT` (plain HTTP only).
    #[arg(long)]
    url: String,
    /// A path to ask for; give it more than once to rotate through several.
    #[arg(long = "path")]
    paths: Vec<String>,
    /// A file of paths, one a line, to rotate through (added to any `--path`).
    #[arg(long)]
    paths_file: Option<PathBuf>,
    /// A request header, `Name: value` (e.g. a Cookie or Authorization); more than once for more.
    #[arg(short = 'H', long = "header")]
    headers: Vec<String>,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Seconds measured, after the warm-up.
    #[arg(long, default_value_t = 20.0)]
    duration: f64,
    /// Seconds of load before measuring (not recorded).
    #[arg(long, default_value_t = 3.0)]
    warmup: f64,
    /// Threads of the generator's own runtime.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// A name for the run, copied into the JSON.
    #[arg(long, default_value = "")]
    label: String,
}

/// What every connection shares: where to connect and what to ask for.
struct Plan {
    addr: SocketAddr,
    host: HeaderValue,
    headers: Vec<(HeaderName, HeaderValue)>,
    paths: Vec<String>,
    /// The next path to ask for (all connections together go round the list).
    next: AtomicUsize,
    warm_until: Instant,
    end: Instant,
}

/// One connection's (and, merged, the whole run's) counts.
struct Tally {
    latency_us: Histogram<u64>,
    requests: u64,
    non_2xx: u64,
    errors: u64,
    statuses: BTreeMap<u16, u64>,
    body_bytes: u64,
    warmup_failures: u64,
    reconnects: u64,
    first_error: Option<String>,
    last_done: Option<Instant>,
}

impl Tally {
    fn new() -> anyhow::Result<Tally> {
        Ok(Tally {
            // 1 µs to 60 s, three significant figures.
            latency_us: Histogram::new_with_bounds(1, 60_000_000, 3)?,
            requests: 0,
            non_2xx: 0,
            errors: 0,
            statuses: BTreeMap::new(),
            body_bytes: 0,
            warmup_failures: 0,
            reconnects: 0,
            first_error: None,
            last_done: None,
        })
    }

    fn merge(&mut self, other: Tally) -> anyhow::Result<()> {
        self.latency_us.add(&other.latency_us)?;
        self.requests += other.requests;
        self.non_2xx += other.non_2xx;
        self.errors += other.errors;
        for (status, n) in other.statuses {
            *self.statuses.entry(status).or_default() += n;
        }
        self.body_bytes += other.body_bytes;
        self.warmup_failures += other.warmup_failures;
        self.reconnects += other.reconnects;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
        self.last_done = self.last_done.max(other.last_done);
        Ok(())
    }

    fn failed(&mut self, measured: bool, error: String) {
        if measured {
            self.errors += 1;
        } else {
            self.warmup_failures += 1;
        }
        self.first_error.get_or_insert(error);
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()?;
    runtime.block_on(run(args))
}

async fn run(args: Args) -> anyhow::Result<()> {
    let authority = args
        .url
        .strip_prefix("http://")
        .context("--url must start with http://")?
        .trim_end_matches('/');
    let addr = tokio::net::lookup_host(authority)
        .await
        .with_context(|| format!("looking up {authority}"))?
        .next()
        .with_context(|| format!("{authority} has no address"))?;
    let mut paths = args.paths.clone();
    if let Some(file) = &args.paths_file {
        let text =
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        paths.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string),
        );
    }
    if paths.is_empty() {
        bail!("give at least one --path or a --paths-file");
    }
    if let Some(bad) = paths.iter().find(|p| !p.starts_with('/')) {
        bail!("path {bad:?} does not start with /");
    }
    let headers = args
        .headers
        .iter()
        .map(|h| {
            let (name, value) = h
                .split_once(':')
                .with_context(|| format!("header {h:?} is not `Name: value`"))?;
            Ok((
                HeaderName::from_bytes(name.trim().as_bytes())?,
                HeaderValue::from_str(value.trim())?,
            ))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;

    let start = Instant::now();
    let warm_until = start + Duration::from_secs_f64(args.warmup);
    let plan = Arc::new(Plan {
        addr,
        host: HeaderValue::from_str(authority)?,
        headers,
        paths,
        next: AtomicUsize::new(0),
        warm_until,
        end: warm_until + Duration::from_secs_f64(args.duration),
    });
    let clients: Vec<_> = (0..args.connections)
        .map(|_| tokio::spawn(client(Arc::clone(&plan))))
        .collect();
    let mut total = Tally::new()?;
    for handle in clients {
        total.merge(handle.await??)?;
    }

    let elapsed = total
        .last_done
        .map_or(0.0, |done| done.duration_since(warm_until).as_secs_f64());
    let h = &total.latency_us;
    let ms = |us: u64| us as f64 / 1000.0;
    let result = json!({
        "label": args.label,
        "url": args.url,
        "paths": plan.paths.len(),
        "connections": args.connections,
        "threads": args.threads,
        "warmup_s": args.warmup,
        "duration_s": elapsed,
        "requests": total.requests,
        "non_2xx": total.non_2xx,
        "errors": total.errors,
        "warmup_failures": total.warmup_failures,
        "reconnects": total.reconnects,
        "statuses": total.statuses.iter().map(|(s, n)| (s.to_string(), *n)).collect::<BTreeMap<_, _>>(),
        "first_error": total.first_error,
        "throughput_rps": if elapsed > 0.0 { total.requests as f64 / elapsed } else { 0.0 },
        "mean_ms": h.mean() / 1000.0,
        "p50_ms": ms(h.value_at_quantile(0.50)),
        "p90_ms": ms(h.value_at_quantile(0.90)),
        "p99_ms": ms(h.value_at_quantile(0.99)),
        "max_ms": ms(h.max()),
        "mean_body_bytes": total.body_bytes.checked_div(total.requests).unwrap_or(0),
    });
    println!("{result}");
    Ok(())
}

/// One connection: requests one after another until the end, reconnecting if the server
/// closes the connection or it fails.
async fn client(plan: Arc<Plan>) -> anyhow::Result<Tally> {
    let mut tally = Tally::new()?;
    let mut sender: Option<SendRequest<Empty<Bytes>>> = None;
    loop {
        let now = Instant::now();
        if now >= plan.end {
            break;
        }
        let measured = now >= plan.warm_until;
        let alive = match sender.as_mut() {
            Some(s) => s.ready().await.is_ok(),
            None => false,
        };
        let mut ready = match sender.take() {
            Some(s) if alive => s,
            previous => {
                if previous.is_some() {
                    tally.reconnects += 1;
                }
                match connect(plan.addr).await {
                    Ok(s) => s,
                    Err(e) => {
                        tally.failed(measured, format!("connect: {e:#}"));
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                }
            }
        };
        let path = &plan.paths[plan.next.fetch_add(1, Ordering::Relaxed) % plan.paths.len()];
        let mut request = Request::get(path.as_str()).body(Empty::new())?;
        request.headers_mut().insert(HOST, plan.host.clone());
        for (name, value) in &plan.headers {
            request.headers_mut().append(name, value.clone());
        }
        let started = Instant::now();
        let measured = started >= plan.warm_until && started < plan.end;
        let answer = async {
            let response = ready.send_request(request).await?;
            let status = response.status();
            let body = response.into_body().collect().await?.to_bytes();
            Ok::<(StatusCode, usize), hyper::Error>((status, body.len()))
        }
        .await;
        let done = Instant::now();
        match answer {
            Ok((status, bytes)) => {
                if measured {
                    let us =
                        u64::try_from(done.duration_since(started).as_micros()).unwrap_or(u64::MAX);
                    tally.latency_us.saturating_record(us.max(1));
                    tally.requests += 1;
                    tally.body_bytes += bytes as u64;
                    *tally.statuses.entry(status.as_u16()).or_default() += 1;
                    if !status.is_success() {
                        tally.non_2xx += 1;
                    }
                    tally.last_done = Some(done);
                } else if !status.is_success() {
                    tally.warmup_failures += 1;
                }
                sender = Some(ready);
            }
            Err(e) => tally.failed(measured, format!("{path}: {e}")),
        }
    }
    Ok(tally)
}

/// A new keep-alive HTTP/1.1 connection, its I/O driven by a task of its own.
async fn connect(addr: SocketAddr) -> anyhow::Result<SendRequest<Empty<Bytes>>> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        // An error here (the server closed the connection) shows up on the next request.
        let _ = connection.await;
    });
    Ok(sender)
}
