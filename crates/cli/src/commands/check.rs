//! `check`: what would be used, where it came from, and does it answer.

use airflow_secrets::core::provider::redact::urls_in_text;
use airflow_secrets::{AirflowConfig, BackendClass, Error, SecretsSettings};
use serde_json::{Value, json};

use super::{builder, context, print_json};
use crate::args::{CheckArgs, GlobalArgs, TableOrJson};
use crate::exit::{Failure, Status};

/// Runs `check`.
pub async fn run(global: &GlobalArgs, args: CheckArgs) -> Result<Status, Failure> {
    let config = AirflowConfig::from_env()?;
    let settings = SecretsSettings::load(&config, context(global)).await?;

    let (class_path, class_source, kwargs, kwargs_sources) =
        match (&global.backend, &settings.backend) {
            (Some(path), _) => {
                let kwargs = airflow_secrets::parse_kwargs_json(
                    global.backend_kwargs.as_deref().unwrap_or("{}"),
                    "--backend-kwargs",
                )?;
                let sources = if global.backend_kwargs.is_some() {
                    vec![global.backend_kwargs_source.clone()]
                } else {
                    vec![]
                };
                (
                    Some(path.clone()),
                    "--backend".to_owned(),
                    airflow_secrets::redact::redact_kwargs(&kwargs),
                    sources,
                )
            }
            (None, Some(b)) => (
                Some(b.class_path.clone()),
                b.class_path_source.clone(),
                b.redacted_kwargs(),
                b.kwargs_sources.clone(),
            ),
            (None, None) => (None, String::new(), Default::default(), vec![]),
        };
    let provider = class_path
        .as_deref()
        .map(BackendClass::from_class_path)
        .transpose();

    let mut report = json!({
        "context": if global.worker { "worker" } else { "server" },
        "multi_team": settings.multi_team,
        "team": global.team,
        "airflow_cfg": config.cfg_file().map(|f| f.path().display().to_string()),
        "backend": class_path,
        "backend_source": if class_path.is_some() { Some(class_source) } else { None },
        "kwargs": Value::Object(kwargs),
        "kwargs_sources": kwargs_sources,
        "use_cache": settings.use_cache,
        "cache_ttl_seconds": settings.cache_ttl.as_secs(),
    });
    if let Ok(Some(class)) = &provider {
        report["provider"] = json!({
            "name": class.display_name(),
            "feature": class.feature(),
            "included": class.is_compiled(),
        });
    }

    let mut status = Status::Ok;
    let mut problems: Vec<String> = Vec::new();
    // The settings just read are reused, so `_CMD` commands and `_SECRET` lookups run once.
    match builder(global, config) {
        Err(f) => {
            status = f.status;
            problems.extend(f.messages);
        }
        Ok(b) => match b.settings(settings).build().await {
            Err(e) => {
                let f = Failure::from(e);
                status = f.status;
                problems.extend(f.messages);
            }
            Ok(secrets) => {
                report["chain"] = json!(
                    secrets
                        .backends()
                        .iter()
                        .map(|b| b.name())
                        .collect::<Vec<_>>()
                );
                if global.worker {
                    report["chain_note"] = json!(WORKER_CHAIN_NOTE);
                }
                if let Some(key) = &args.variable {
                    let (probe, s) = probe(
                        secrets
                            .variable_lookup(key)
                            .await
                            .map(|l| (l.found_in, failures(&l.failures))),
                    );
                    report["probe_variable"] = json!({"key": key, "result": probe});
                    status = worst(status, s);
                }
                if let Some(id) = &args.connection {
                    let (probe, s) = probe(
                        secrets
                            .connection_lookup(id)
                            .await
                            .map(|l| (l.found_in, failures(&l.failures))),
                    );
                    report["probe_connection"] = json!({"conn_id": id, "result": probe});
                    status = worst(status, s);
                }
            }
        },
    }
    if !problems.is_empty() {
        report["errors"] = json!(problems);
    }
    match args.output {
        TableOrJson::Json => print_json(&report),
        TableOrJson::Table => print_table(&report),
    }
    Ok(status)
}

/// What `check --worker` says about the chain: it differs from the server's on purpose.
const WORKER_CHAIN_NOTE: &str = "worker chain: no metastore tier (an Airflow 3 task worker never reads \
     the metadata database); Airflow's last worker tier, the Execution API, is not implemented";

/// The failures' messages, URL userinfo masked (a provider's error may quote a URL).
fn failures(f: &[(&'static str, Error)]) -> Vec<String> {
    f.iter()
        .map(|(_, e)| urls_in_text(&e.to_string()).into_owned())
        .collect()
}

fn probe(result: Result<(Option<&'static str>, Vec<String>), Error>) -> (Value, Status) {
    match result {
        Ok((Some(backend), failed)) => (json!({"found_in": backend, "failed": failed}), Status::Ok),
        Ok((None, failed)) if failed.is_empty() => (json!({"found_in": null}), Status::NotFound),
        Ok((None, failed)) => (
            json!({"found_in": null, "failed": failed}),
            Status::BackendFailure,
        ),
        Err(e) => {
            let failure = Failure::from(e);
            (
                json!({"error": failure.messages.join("; "), "kind": status_message(failure.status)}),
                failure.status,
            )
        }
    }
}

fn status_message(s: Status) -> &'static str {
    match s {
        Status::Ok => "ok",
        Status::NotFound => "not found",
        Status::Usage => "configuration error",
        Status::BackendFailure => "backend failure",
        // `check` runs no command.
        Status::CannotRun | Status::CommandNotFound | Status::Child(_) => "command failure",
    }
}

fn worst(a: Status, b: Status) -> Status {
    if b.code() > a.code() { b } else { a }
}

fn print_table(report: &Value) {
    let s = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".to_owned(),
        other => other.to_string(),
    };
    println!("context:      {}", s(&report["context"]));
    println!("airflow.cfg:  {}", s(&report["airflow_cfg"]));
    if report["multi_team"] == json!(true) || !report["team"].is_null() {
        println!(
            "multi_team:   {}  team: {}",
            report["multi_team"],
            s(&report["team"])
        );
    }
    match &report["backend"] {
        Value::Null => println!(
            "backend:      none (AIRFLOW__SECRETS__BACKEND is not set): environment variables only"
        ),
        b => {
            println!(
                "backend:      {}  (from {})",
                s(b),
                s(&report["backend_source"])
            );
            if let Some(p) = report.get("provider") {
                let included = if p["included"] == json!(true) {
                    "included in this build"
                } else {
                    "NOT included in this build"
                };
                let feature = match &p["feature"] {
                    Value::Null => "built in".to_owned(),
                    f => format!("feature {}", s(f)),
                };
                println!("provider:     {} ({feature}, {included})", s(&p["name"]));
            }
            println!("kwargs:       {}", report["kwargs"]);
            let sources = report["kwargs_sources"]
                .as_array()
                .map(|a| a.iter().map(s).collect::<Vec<_>>().join(", "));
            println!(
                "kwargs from:  {}",
                sources
                    .filter(|x| !x.is_empty())
                    .unwrap_or_else(|| "(none: {})".into())
            );
        }
    }
    println!(
        "cache:        use_cache={} cache_ttl_seconds={}",
        report["use_cache"], report["cache_ttl_seconds"]
    );
    if let Some(chain) = report["chain"].as_array() {
        println!(
            "chain:        {}",
            chain.iter().map(s).collect::<Vec<_>>().join(" -> ")
        );
    }
    if let Some(note) = report.get("chain_note") {
        println!("              {}", s(note));
    }
    for (field, label) in [
        ("probe_variable", "variable"),
        ("probe_connection", "connection"),
    ] {
        if let Some(p) = report.get(field) {
            let key = p
                .get("key")
                .or_else(|| p.get("conn_id"))
                .map(s)
                .unwrap_or_default();
            println!("probe {label} {key}: {}", describe_probe(&p["result"]));
        }
    }
    if let Some(errors) = report["errors"].as_array() {
        for e in errors {
            println!("error:        {}", s(e));
        }
    }
}

/// A probe result (as [`probe`] reports it) in words, for the table output.
fn describe_probe(result: &Value) -> String {
    let failed: Vec<&str> = result["failed"]
        .as_array()
        .map(|f| f.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let answer = match (result["found_in"].as_str(), result["error"].as_str()) {
        (_, Some(error)) => {
            return format!("{}: {error}", result["kind"].as_str().unwrap_or("error"));
        }
        (Some(backend), None) => format!("found in {backend}"),
        (None, None) if failed.is_empty() => return "not found in any backend".to_owned(),
        (None, None) => "not found".to_owned(),
    };
    if failed.is_empty() {
        answer
    } else {
        format!("{answer}; failed: {}", failed.join("; "))
    }
}
