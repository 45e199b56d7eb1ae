//! Issue "Trust", item 7: URL userinfo is masked wherever the facade shows a URL — kwargs in the
//! settings' `Debug`, the fall-through warning it logs, the configuration errors it writes.

mod common;

use std::sync::Arc;
use std::time::Duration;

use airflow_secrets::{
    AirflowConfig, Error, ProcessContext, SecretKind, SecretValue, Secrets, SecretsBackend,
    SecretsSettings, async_trait,
};
use common::empty_environment;

const PROXY_PASSWORD: &str = "Pl4nted-PROXY-passw0rd";
const URL_PASSWORD: &str = "Pl4nted-URL-passw0rd";

/// A backend whose every lookup fails with an error quoting a URL with userinfo, as an HTTP client's
/// transport error does.
#[derive(Debug)]
struct FailingBackend;

#[async_trait]
impl SecretsBackend for FailingBackend {
    async fn get(&self, kind: SecretKind, key: &str) -> Result<Option<SecretValue>, Error> {
        Err(Error::Unavailable {
            backend: "FailingBackend",
            kind,
            key: key.to_owned(),
            location: "the test server".into(),
            attempts: 1,
            elapsed: Duration::ZERO,
            problem: format!(
                "error sending request for url (http://user:{URL_PASSWORD}@127.0.0.1:9/v1/x)"
            ),
        })
    }

    fn name(&self) -> &'static str {
        "FailingBackend"
    }
}

#[tokio::test]
async fn trust_07_fall_through_warning_masks_url_userinfo() {
    let logs = airflow_secrets_testkit::logs::capture();
    let secrets = Secrets::builder()
        .custom_backend(Arc::new(FailingBackend))
        .environment(empty_environment())
        .build()
        .await
        .unwrap();
    let lookup = secrets.variable_lookup("x").await.unwrap();
    assert_eq!(lookup.failures.len(), 1);
    assert!(
        logs.contents().contains("http://***@127.0.0.1:9/v1/x"),
        "the warning is logged, masked: {}",
        logs.contents()
    );
    logs.assert_free_of(&[URL_PASSWORD]);
}

#[tokio::test]
async fn trust_07_settings_debug_masks_proxy_and_url_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let kwargs = serde_json::json!({
        "url": format!("https://token:{URL_PASSWORD}@vault.example.com"),
        "proxies": {"https": format!("http://user:{PROXY_PASSWORD}@proxy:3128"),
                    "http": format!("user:{PROXY_PASSWORD}@proxy:3128")},
    });
    let config = AirflowConfig::from_vars([
        ("HOME", dir.path().display().to_string()),
        ("AIRFLOW__SECRETS__BACKEND", "x.Y".to_owned()),
        ("AIRFLOW__SECRETS__BACKEND_KWARGS", kwargs.to_string()),
        (
            "AIRFLOW__SECRETS__BACKEND_KWARG__CONFIG_KWARGS",
            format!(r#"{{"proxies": {{"https": "http://u:{PROXY_PASSWORD}@p:1"}}}}"#),
        ),
    ])
    .unwrap();
    let settings = SecretsSettings::load(&config, ProcessContext::Server)
        .await
        .unwrap();
    let backend = settings.backend.as_ref().unwrap();
    for shown in [
        format!("{settings:?}"),
        format!("{settings:#?}"),
        serde_json::Value::Object(backend.redacted_kwargs()).to_string(),
    ] {
        assert!(
            !shown.contains(PROXY_PASSWORD) && !shown.contains(URL_PASSWORD),
            "{shown}"
        );
        assert!(shown.contains("***@proxy:3128"), "{shown}");
    }
}

#[cfg(feature = "metastore")]
#[tokio::test]
async fn trust_05_bad_sql_alchemy_conn_error_does_not_quote_the_url() {
    let dir = tempfile::tempdir().unwrap();
    let mut refused = 0;
    for url in [
        format!("postgresql+nosuchdriver://airflow:{URL_PASSWORD}@db:5432/airflow"),
        format!("oracle://airflow:{URL_PASSWORD}@db:1521/airflow"),
        format!("postgresql://airflow:{URL_PASSWORD}@db:notaport/airflow"),
        format!("postgresql://airflow:{URL_PASSWORD}@db:5432/airflow?sslmode=bogus"),
        format!("mysql://airflow:{URL_PASSWORD}@[::1/airflow"),
        format!("airflow:{URL_PASSWORD}@db/airflow"),
    ] {
        let config = AirflowConfig::from_vars([
            ("HOME", dir.path().display().to_string()),
            ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", url.clone()),
        ])
        .unwrap();
        // Which URLs the metastore refuses is its business; every refusal must keep the password out.
        let Err(err) = Secrets::builder().config(config).build().await else {
            continue;
        };
        refused += 1;
        let shown = format!("{err}\n{err:?}");
        assert!(shown.contains("sql_alchemy_conn"), "{shown}");
        assert!(!shown.contains(URL_PASSWORD), "{url}: {shown}");
    }
    assert!(refused >= 2, "only {refused} URL(s) refused");
}
