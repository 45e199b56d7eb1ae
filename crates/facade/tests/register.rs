//! `SecretsBuilder::register`: a service's own backend under its own class path, selected by Airflow's
//! configuration with its kwargs, in the custom backend's place (before the environment variables).

use airflow_secrets::core::kwargs::parse_kwargs;
use airflow_secrets::{
    AirflowConfig, Error, SecretKind, SecretValue, Secrets, SecretsBackend, async_trait,
};

const CLASS_PATH: &str = "acme.platform.secrets.InHouseBackend";

#[derive(Debug, serde::Deserialize)]
struct InHouseKwargs {
    prefix: String,
    #[serde(
        default,
        deserialize_with = "airflow_secrets::core::kwargs::de::bool_lenient"
    )]
    upper: bool,
}

/// Answers `<prefix><key>` for variables starting with `shared` or `own`, nothing else.
#[derive(Debug)]
struct InHouse {
    kwargs: InHouseKwargs,
}

#[async_trait]
impl SecretsBackend for InHouse {
    fn name(&self) -> &'static str {
        "InHouseBackend"
    }
    async fn get(&self, kind: SecretKind, key: &str) -> Result<Option<SecretValue>, Error> {
        if kind != SecretKind::Variable || !(key.starts_with("shared") || key.starts_with("own")) {
            return Ok(None);
        }
        let value = format!("{}{key}", self.kwargs.prefix);
        Ok(Some(SecretValue::new(if self.kwargs.upper {
            value.to_uppercase()
        } else {
            value
        })))
    }
}

fn config(class_path: &str, kwargs: &str, extra: &[(&str, &str)]) -> AirflowConfig {
    let mut vars = vec![
        ("HOME", "/nonexistent-airflow-secrets-test"),
        ("AIRFLOW__SECRETS__BACKEND", class_path),
        ("AIRFLOW__SECRETS__BACKEND_KWARGS", kwargs),
        ("AIRFLOW_VAR_SHARED", "from-env"),
        ("AIRFLOW_VAR_ENV_ONLY", "env-only"),
    ];
    vars.extend_from_slice(extra);
    AirflowConfig::from_vars(vars).unwrap()
}

async fn build(config: AirflowConfig) -> Result<Secrets, Error> {
    Secrets::builder()
        .register(CLASS_PATH, |kwargs, _context| {
            Ok(InHouse {
                kwargs: parse_kwargs("InHouseBackend", kwargs)?,
            })
        })
        .config(config)
        .build()
        .await
}

#[tokio::test]
async fn selected_by_the_configuration_with_kwargs_before_env() {
    // The per-key override is applied before the factory sees the kwargs, as for built-in backends.
    let secrets = build(config(
        CLASS_PATH,
        r#"{"prefix": "inhouse-"}"#,
        &[("AIRFLOW__SECRETS__BACKEND_KWARG__UPPER", "true")],
    ))
    .await
    .unwrap();
    let names: Vec<_> = secrets.backends().iter().map(|b| b.name()).collect();
    assert_eq!(names, ["InHouseBackend", "EnvironmentVariablesBackend"]);
    assert_eq!(secrets.custom_backend().unwrap().name(), "InHouseBackend");
    // Both hold `shared`: the registered backend answers first, as a custom backend does in Airflow.
    let shared = secrets.variable_lookup("shared").await.unwrap();
    assert_eq!(shared.value.unwrap().expose(), "INHOUSE-SHARED");
    assert_eq!(shared.found_in, Some("InHouseBackend"));
    let env = secrets.variable_lookup("env_only").await.unwrap();
    assert_eq!(env.found_in, Some("EnvironmentVariablesBackend"));
    assert_eq!(
        secrets.registered_class_paths().collect::<Vec<_>>(),
        [CLASS_PATH]
    );
}

#[tokio::test]
async fn kwargs_get_the_same_unknown_kwarg_discipline() {
    let err = build(config(CLASS_PATH, r#"{"prefix": "p", "prefx": "q"}"#, &[]))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "InHouseBackend: unknown kwarg `prefx`; accepted kwargs are: prefix, upper"
    );
    let err = build(config(CLASS_PATH, r#"{"prefix": ["s3cr3t"]}"#, &[]))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "InHouseBackend: kwarg `prefix`: expected a string"
    );
}

#[tokio::test]
async fn an_unknown_class_path_still_errors_and_lists_the_registered_ones() {
    let err = build(config("acme.platform.secrets.Typo", "{}", &[]))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnknownClassPath { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.starts_with("unknown secrets backend class path `acme.platform.secrets.Typo`; known class paths are: airflow.secrets.environment_variables.EnvironmentVariablesBackend, "),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            ", and the ones registered by this program: {CLASS_PATH}. Run"
        )),
        "{text}"
    );
}

#[tokio::test]
async fn built_in_class_paths_still_work_next_to_registrations() {
    let secrets = build(config(
        "airflow.secrets.environment_variables.EnvironmentVariablesBackend",
        "{}",
        &[],
    ))
    .await
    .unwrap();
    assert_eq!(
        secrets.custom_backend().unwrap().name(),
        "EnvironmentVariablesBackend"
    );
}

#[tokio::test]
async fn the_explicit_backend_option_uses_registrations_too() {
    let secrets = Secrets::builder()
        .register(CLASS_PATH, |kwargs, _| {
            Ok(InHouse {
                kwargs: parse_kwargs("InHouseBackend", kwargs)?,
            })
        })
        .backend_with_json(format!("  {CLASS_PATH}\n"), r#"{"prefix": "x-"}"#)
        .unwrap()
        .build()
        .await
        .unwrap();
    assert_eq!(
        secrets.variable("own").await.unwrap().unwrap().expose(),
        "x-own"
    );
}
