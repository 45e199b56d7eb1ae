//! Raw HTTP/1.1 servers on 127.0.0.1 for the scenarios no mock framework can play: a body that trickles,
//! a body without end, a redirect to another origin, a listener that records what reaches it. A server
//! answers every request the same way, whatever its path, so it stands in for a store and its login
//! endpoints alike; or, with [`Behaviour::by_path`], chooses the answer by the request's path (a store
//! whose login answers at once and whose reads flood). Dropped, a server stops accepting.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// How a [`RawServer`] answers.
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// `status` with a JSON content type and `body`, at once.
    Reply {
        /// The status code.
        status: u16,
        /// The JSON body.
        body: String,
    },
    /// The behaviour [`Route`] picks for the request's path.
    ByPath(Route),
    /// `200` with a JSON content type and a `Content-Length` of 1 MB, then one body byte a second.
    Drip,
    /// `200` announcing a 10 GB body (`Content-Length`), then zeros as fast as the client reads.
    FloodAnnounced,
    /// `200` with a chunked body of endless 64 KiB chunks.
    FloodChunked,
    /// `307` to this URL (another origin), with an empty body.
    RedirectTo(String),
    /// `404` with an empty JSON object, after recording the request.
    Record,
}

impl Behaviour {
    /// Answers each request as `route` says for its path (e.g. `/v1/auth/approle/login`).
    pub fn by_path(route: impl Fn(&str) -> Behaviour + Send + Sync + 'static) -> Behaviour {
        Behaviour::ByPath(Route(Arc::new(route)))
    }
}

/// A choice of [`Behaviour`] by request path (see [`Behaviour::by_path`]).
#[derive(Clone)]
pub struct Route(Arc<dyn Fn(&str) -> Behaviour + Send + Sync>);

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Route(..)")
    }
}

/// Stop flooding after this many bytes, so that a client that buffers everything fails the test by
/// the count instead of exhausting the machine's memory.
pub const FLOOD_STOP_BYTES: u64 = 512 << 20;

/// A raw server; its counters are shared with the connection tasks.
pub struct RawServer {
    addr: SocketAddr,
    written: Arc<AtomicU64>,
    requests: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl RawServer {
    /// Starts a server with `behaviour` on a free loopback port (inside a Tokio runtime).
    pub async fn start(behaviour: Behaviour) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a raw server");
        let addr = listener.local_addr().expect("raw server address");
        let written = Arc::new(AtomicU64::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (w, r) = (written.clone(), requests.clone());
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (behaviour, w, r) = (behaviour.clone(), w.clone(), r.clone());
                tokio::spawn(async move { serve(tcp, behaviour, w, r).await });
            }
        });
        RawServer {
            addr,
            written,
            requests,
            task,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Body bytes written so far, over every connection.
    pub fn written(&self) -> u64 {
        self.written.load(Ordering::SeqCst)
    }

    /// The number of requests received so far, over every connection.
    pub fn request_count(&self) -> usize {
        self.requests.lock().expect("raw requests").len()
    }

    /// Every request received (head and the body bytes that came with it), as lossy text.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("raw requests").clone()
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request (its head, and as much of a body as `Content-Length` announces, up to 1 MiB).
async fn read_request(tcp: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = tcp.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = find(&buf, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0)
                .min(1 << 20);
            while buf.len() < end + 4 + length {
                let n = tcp.read(&mut chunk).await.ok()?;
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Some(String::from_utf8_lossy(&buf).into_owned());
        }
        if buf.len() > 1 << 20 {
            return None;
        }
    }
}

/// The path of a request's target (`GET /v1/x?y HTTP/1.1` gives `/v1/x`).
fn request_path(request: &str) -> &str {
    let target = request.split_whitespace().nth(1).unwrap_or("");
    target.split('?').next().unwrap_or(target)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

async fn serve(
    mut tcp: TcpStream,
    behaviour: Behaviour,
    written: Arc<AtomicU64>,
    requests: Arc<Mutex<Vec<String>>>,
) {
    // Keep-alive: answer every request on the connection the same way.
    while let Some(request) = read_request(&mut tcp).await {
        let behaviour = match &behaviour {
            Behaviour::ByPath(Route(route)) => route(request_path(&request)),
            other => other.clone(),
        };
        requests.lock().expect("raw requests").push(request);
        let done = match &behaviour {
            Behaviour::Reply { status, body } => {
                let reason = match status {
                    200 => "OK",
                    404 => "Not Found",
                    _ => "Status",
                };
                let answer = format!(
                    "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n\
                     Content-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                tcp.write_all(answer.as_bytes()).await.is_err()
            }
            // A route's choice is never itself a route.
            Behaviour::ByPath(_) => true,
            Behaviour::Drip => drip(&mut tcp, &written).await,
            Behaviour::FloodAnnounced => flood(&mut tcp, &written, false).await,
            Behaviour::FloodChunked => flood(&mut tcp, &written, true).await,
            Behaviour::RedirectTo(to) => {
                let head = format!(
                    "HTTP/1.1 307 Temporary Redirect\r\nLocation: {to}\r\nContent-Length: 0\r\n\r\n"
                );
                tcp.write_all(head.as_bytes()).await.is_err()
            }
            Behaviour::Record => {
                let head = "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\
                            Content-Length: 2\r\n\r\n{}";
                tcp.write_all(head.as_bytes()).await.is_err()
            }
        };
        if done {
            return;
        }
    }
}

/// One byte a second of a 1 MB JSON body; `true` when the connection is gone.
async fn drip(tcp: &mut TcpStream, written: &AtomicU64) -> bool {
    let head =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n";
    if tcp.write_all(head.as_bytes()).await.is_err() {
        return true;
    }
    loop {
        if tcp.write_all(b" ").await.is_err() {
            return true;
        }
        written.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Zeros as fast as the client takes them, up to [`FLOOD_STOP_BYTES`]; always ends the connection.
async fn flood(tcp: &mut TcpStream, written: &AtomicU64, chunked: bool) -> bool {
    let head = if chunked {
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            .to_owned()
    } else {
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n"
            .to_owned()
    };
    if tcp.write_all(head.as_bytes()).await.is_err() {
        return true;
    }
    let block = vec![b'0'; 64 << 10];
    let mut frame = Vec::with_capacity(block.len() + 16);
    if chunked {
        frame.extend_from_slice(format!("{:x}\r\n", block.len()).as_bytes());
        frame.extend_from_slice(&block);
        frame.extend_from_slice(b"\r\n");
    } else {
        frame.extend_from_slice(&block);
    }
    while written.load(Ordering::SeqCst) < FLOOD_STOP_BYTES {
        if tcp.write_all(&frame).await.is_err() {
            return true;
        }
        written.fetch_add(block.len() as u64, Ordering::SeqCst);
    }
    true
}
