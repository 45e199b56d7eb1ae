//! The project of application-default credentials on Google Cloud (GCE, GKE, Cloud Run, Composer),
//! asked of the metadata server as `google.auth.default()` does when nothing offline names one:
//! `GET http://{GCE_METADATA_HOST or metadata.google.internal}/computeMetadata/v1/project/project-id`
//! with `Metadata-Flavor: Google`.
//!
//! The credentials themselves come from google-cloud-auth, whose application-default credentials ask
//! the same server (it reads `GCE_METADATA_HOST` too). This request is bounded: one attempt of at most
//! [`PROBE_TIMEOUT`] (google-auth's metadata timeout), no redirect, an answer of at most
//! [`MAX_PROJECT_BYTES`], which must say `Metadata-Flavor: Google` and hold a project id.

use std::time::Duration;

use airflow_secrets_core::error_chain;

/// The variable naming the metadata server's `host[:port]` (google-auth's and google-cloud-auth's).
pub const METADATA_HOST_VAR: &str = "GCE_METADATA_HOST";
/// The metadata server's name on Google Cloud.
const DEFAULT_METADATA_HOST: &str = "metadata.google.internal";
const PROJECT_ID_PATH: &str = "/computeMetadata/v1/project/project-id";
/// google-auth's `_METADATA_DEFAULT_TIMEOUT`: off Google Cloud the name does not resolve or nothing
/// answers, and the lookup must fail soon and clearly.
pub(crate) const PROBE_TIMEOUT: Duration = Duration::from_secs(3);
/// A project id is 6–30 characters; anything much larger is not the metadata server.
const MAX_PROJECT_BYTES: usize = 1024;

/// The metadata server's base URL: `http://{host}`.
pub(crate) fn base_url(host: Option<&str>) -> String {
    format!("http://{}", host.unwrap_or(DEFAULT_METADATA_HOST))
}

/// Asks the metadata server at `base` (see [`base_url`]) for the project id. `Err` says what went wrong,
/// never quoting the answer.
pub(crate) async fn project_id(base: &str, timeout: Duration) -> Result<String, String> {
    let url = format!("{base}{PROJECT_ID_PATH}");
    let shown = format!("the GCE metadata server ({url})");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .map_err(|e| format!("cannot build the metadata client: {}", error_chain(&e)))?;
    let ask = async {
        let mut response = client
            .get(&url)
            .header("Metadata-Flavor", "Google")
            .send()
            .await
            .map_err(|e| format!("{shown} did not answer: {}", error_chain(&e)))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("{shown} answered HTTP {}", status.as_u16()));
        }
        if response
            .content_length()
            .is_some_and(|n| n > MAX_PROJECT_BYTES as u64)
        {
            return Err(format!("{shown} sent an answer too large for a project id"));
        }
        let flavor = response
            .headers()
            .get("metadata-flavor")
            .and_then(|v| v.to_str().ok());
        if flavor != Some("Google") {
            return Err(format!(
                "{shown} answered without `Metadata-Flavor: Google`: it is not a metadata server"
            ));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| format!("{shown} broke off its answer: {}", error_chain(&e)))?
        {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_PROJECT_BYTES {
                return Err(format!("{shown} sent an answer too large for a project id"));
            }
        }
        let text = String::from_utf8(body).unwrap_or_default();
        let project = text.trim();
        let plausible = !project.is_empty()
            && project
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | ':' | '.'));
        if plausible {
            Ok(project.to_owned())
        } else {
            Err(format!("{shown} did not answer a project id"))
        }
    };
    tokio::time::timeout(timeout, ask)
        .await
        .unwrap_or_else(|_| Err(format!("{shown} gave no answer within {timeout:?}")))
}
