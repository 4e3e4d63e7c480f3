//! A tiny SMTP server that accepts every message and keeps it: enough of RFC 5321 (greeting,
//! EHLO/HELO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT) for `lettre` to talk to.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// One message as received.
#[derive(Debug, Clone)]
pub struct Received {
    /// The envelope's recipients (`RCPT TO`).
    pub recipients: Vec<String>,
    /// The message: headers and body, lines ending CRLF.
    pub data: String,
}

impl Received {
    /// The value of a header (the first with that name, ignoring case).
    pub fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.data
            .split("\r\n")
            .take_while(|line| !line.is_empty())
            .find(|line| line.to_ascii_lowercase().starts_with(&prefix))
            .map(|line| line[prefix.len()..].trim().to_string())
    }

    /// The body with quoted-printable soft line breaks joined up.
    pub fn body(&self) -> String {
        let body = self.data.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        body.replace("=\r\n", "")
    }
}

/// A running sink; stops when dropped.
pub struct SmtpSink {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    task: JoinHandle<()>,
}

impl SmtpSink {
    /// Starts on a free port.
    pub async fn start() -> SmtpSink {
        SmtpSink::start_on("127.0.0.1:0".parse().unwrap()).await
    }

    /// Starts on the given address.
    pub async fn start_on(addr: SocketAddr) -> SmtpSink {
        let listener = TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let store = received.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(conversation(stream, store.clone()));
            }
        });
        SmtpSink {
            addr,
            received,
            task,
        }
    }

    /// `smtp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn conversation(stream: TcpStream, store: Arc<Mutex<Vec<Received>>>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    if !reply(&mut write, "220 sink.test ESMTP ready\r\n").await {
        return;
    }
    let mut recipients = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let command = line.trim_end().to_ascii_uppercase();
        let answer = if command.starts_with("EHLO") || command.starts_with("HELO") {
            "250 sink.test\r\n".to_string()
        } else if command.starts_with("MAIL FROM:") {
            recipients.clear();
            "250 2.1.0 OK\r\n".to_string()
        } else if command.starts_with("RCPT TO:") {
            recipients.push(line.trim_end()[8..].trim().to_string());
            "250 2.1.5 OK\r\n".to_string()
        } else if command == "DATA" {
            if !reply(&mut write, "354 End data with <CR><LF>.<CR><LF>\r\n").await {
                return;
            }
            let mut data = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                    return;
                }
                if line == ".\r\n" {
                    break;
                }
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            let number = {
                let mut all = store.lock().unwrap();
                all.push(Received {
                    recipients: std::mem::take(&mut recipients),
                    data,
                });
                all.len()
            };
            format!("250 2.0.0 OK: queued as SINK{number}\r\n")
        } else if command == "RSET" || command == "NOOP" {
            "250 2.0.0 OK\r\n".to_string()
        } else if command == "QUIT" {
            let _ = reply(&mut write, "221 2.0.0 Bye\r\n").await;
            return;
        } else {
            "502 5.5.2 Command not recognised\r\n".to_string()
        };
        if !reply(&mut write, &answer).await {
            return;
        }
    }
}

async fn reply(write: &mut OwnedWriteHalf, text: &str) -> bool {
    write.write_all(text.as_bytes()).await.is_ok()
}
