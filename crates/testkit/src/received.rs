//! What a wiremock server received, as the conformance fixtures ask for it.

use wiremock::MockServer;
use wiremock::Request;

/// How many requests `server` received that `matches` accepts.
pub async fn count(server: &MockServer, matches: impl Fn(&Request) -> bool) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| matches(r))
        .count()
}

/// How many `GET` requests for exactly `path` `server` received.
pub async fn gets_of(server: &MockServer, path: &str) -> usize {
    count(server, |r| {
        r.method.as_str() == "GET" && r.url.path() == path
    })
    .await
}

/// The path of every request `server` received, in order.
pub async fn request_paths(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect()
}
