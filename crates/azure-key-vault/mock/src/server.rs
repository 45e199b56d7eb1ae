//! A small HTTP(S) server on 127.0.0.1 that records every request and answers from a handler.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::TestCa;

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path, percent-encoded as sent (e.g. `/secrets/airflow-variables-hello/`).
    pub path: String,
    /// The raw query string (without `?`), empty when absent.
    pub query: String,
    /// Headers, names in lower case, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
}

impl Recorded {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The decoded value of query parameter `name`.
    pub fn query_param(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The decoded value of form field `name` in an `application/x-www-form-urlencoded` body.
    pub fn form_param(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.body.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

/// A canned answer.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Body text.
    pub body: String,
    /// Wait this long before answering (to exercise client timeouts).
    pub delay: Option<Duration>,
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, body: serde_json::Value) -> Reply {
        Reply {
            status,
            headers: vec![(
                "content-type".into(),
                "application/json; charset=utf-8".into(),
            )],
            body: body.to_string(),
            delay: None,
        }
    }

    /// An answer with an empty body.
    pub fn empty(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: String::new(),
            delay: None,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Delays the answer.
    pub fn delayed(mut self, delay: Duration) -> Reply {
        self.delay = Some(delay);
        self
    }
}

/// Decides the answer to a request.
pub type Handler = Arc<dyn Fn(&Recorded) -> Reply + Send + Sync>;

/// A running server; stops accepting when dropped.
pub struct MockServer {
    addr: SocketAddr,
    scheme: &'static str,
    requests: Arc<Mutex<Vec<Recorded>>>,
    accept_loop: tokio::task::JoinHandle<()>,
}

impl MockServer {
    /// Starts an HTTPS server presenting `ca`'s server certificate.
    pub async fn https(ca: &TestCa, handler: Handler) -> MockServer {
        Self::start(Some(TlsAcceptor::from(ca.server_config())), handler).await
    }

    /// Starts a plain HTTP server (for endpoints the SDKs reach over http, such as IMDS).
    pub async fn http(handler: Handler) -> MockServer {
        Self::start(None, handler).await
    }

    async fn start(tls: Option<TlsAcceptor>, handler: Handler) -> MockServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding 127.0.0.1");
        let addr = listener.local_addr().expect("local address");
        let requests: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let scheme = if tls.is_some() { "https" } else { "http" };
        let recorded = requests.clone();
        let accept_loop = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let handler = handler.clone();
                let recorded = recorded.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        respond(request, handler.clone(), recorded.clone())
                    });
                    match tls {
                        Some(acceptor) => {
                            // A client that does not trust the certificate aborts the handshake: nothing to serve.
                            let Ok(stream) = acceptor.accept(stream).await else {
                                return;
                            };
                            let _ = http1::Builder::new()
                                .serve_connection(TokioIo::new(stream), service)
                                .await;
                        }
                        None => {
                            let _ = http1::Builder::new()
                                .serve_connection(TokioIo::new(stream), service)
                                .await;
                        }
                    }
                });
            }
        });
        MockServer {
            addr,
            scheme,
            requests,
            accept_loop,
        }
    }

    /// `https://127.0.0.1:<port>` (or `http://...`), without a trailing slash.
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().expect("request log").clone()
    }

    /// How many requests were received.
    pub fn request_count(&self) -> usize {
        self.requests.lock().expect("request log").len()
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

async fn respond(
    request: hyper::Request<Incoming>,
    handler: Handler,
    recorded: Arc<Mutex<Vec<Recorded>>>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let entry = Recorded {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    recorded.lock().expect("request log").push(entry.clone());
    let reply = handler(&entry);
    if let Some(delay) = reply.delay {
        tokio::time::sleep(delay).await;
    }
    let mut response = hyper::Response::builder().status(reply.status);
    for (name, value) in &reply.headers {
        response = response.header(name, value);
    }
    Ok(response
        .body(Full::new(Bytes::from(reply.body)))
        .expect("valid response"))
}
