//! Differential: reading Airflow's configuration (`airflow.cfg` + environment) against the pinned
//! Airflow's own `AirflowConfigParser` (the reference process's `config_read` op).
//!
//! Each generated case is an `airflow.cfg` text (or none) and an exact environment: `[secrets]`,
//! `[workers]`, `[core]` and `[DEFAULT]` sections (also `[SECRETS]`, `[ secrets]`) with keys in varied
//! case, `=`/`:` delimiters, continuation lines, comments and duplicates; values with `%`, `%%`,
//! `%(name)s`, `$VAR`/`${VAR}`, `~`, quotes, spaces, unicode and empty ones; `AIRFLOW__{SECTION}__{KEY}`
//! variables (also in lower case), `_CMD` (only `printf`/`echo` of generated text), per-key
//! `…BACKEND_KWARG__*` overrides, class paths with surrounding whitespace, booleans and integers.
//! Airflow reads it with `_get_custom_secret_backend` (server and worker) building a recording class,
//! `getboolean` and `getint`; ours with `AirflowConfig::from_vars` + `CfgFile::parse` +
//! `SecretsSettings::load` for `ProcessContext::Server` and `::Worker`. Compared: the class path and the
//! kwargs the backend gets, `multi_team`, `use_cache`, `cache_ttl_seconds`, or that both refuse.
//! Declared departures are counted by kind, not failed (docs/parity.md): kwargs that are not a JSON
//! object or whose `_CMD` fails (Airflow builds the backend with `{}`, we refuse), a negative
//! `cache_ttl_seconds` (Airflow keeps it, we refuse). A class path other than the two importable ones
//! agrees with Airflow's "could not be loaded" (we refuse it when building the backend).
//! `_SECRET` is not generated: Airflow 3.3.2 reading `backend_kwargs_secret` recurses into its own
//! kwargs (`RecursionError`), and our side builds the backend from the built-in table only; the unit
//! tests of `settings.rs` cover it. Neither is an `X` that refers to itself (`X=a$X`): Airflow's
//! `expand_env_var` loops for ever on it, ours stops at `MAX_EXPANDED_LEN`. Plus a fixed table of the
//! edges found (23 rows). Default: 3,000 cases × 2 contexts (about 10 s here);
//! `AIRFLOW_SECRETS_DIFF_SCALE=100` runs 100× more, `AIRFLOW_SECRETS_DIFF_SEED=<n>` replays a run.

mod differential;

use std::path::Path;

use airflow_secrets::config::CfgFile;
use airflow_secrets::{AirflowConfig, ProcessContext, SecretsSettings};
use airflow_secrets_testkit::airflow_reference::reference;
use differential::{Disagreements, generate};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// One case: the `airflow.cfg` text (if any) and the whole environment.
#[derive(Debug, Clone)]
struct Case {
    cfg_text: Option<String>,
    env: Vec<(String, String)>,
}

/// What one side read for one process context: the backend (class path, kwargs), multi_team,
/// use_cache, cache_ttl_seconds — or that it refused (with its message).
type Reading = Result<(Option<(String, Value)>, bool, bool, i64), String>;

const CLASSES: [&str; 2] = [
    "reference_backends.Recorder",
    "reference_backends.WorkerRecorder",
];

/// Text with the characters configuration values are made of, edges included.
fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[a-zA-Z0-9_./-]{1,6}",
        1 => prop::sample::select(vec![
            "%", "%%", "%(x)s", "%(X)s", "%(cls)s", "%(nope)s", "%(x)d", "$X", "${X}", "$CLS", "${UNSET}",
            "$", "$$", "~", "~/p", "'", "\"", "\\\"", " ", "  ", "é", "日本", "#", ";", "{", "}", ":", "=",
        ])
        .prop_map(str::to_owned),
    ];
    prop::collection::vec(piece, 0..5).prop_map(|v| v.concat())
}

/// A JSON string literal body: `text()` with `"` and `\` escaped.
fn json_str(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

/// Backend kwargs text: a JSON object of generated keys and values, or something else.
fn kwargs_text() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        3 => text().prop_map(|t| json_str(&t)),
        1 => prop::sample::select(vec!["1", "-2", "1.5", "true", "null", "[1, \"a\"]", "{\"n\": 1}"])
            .prop_map(str::to_owned),
    ];
    let object = prop::collection::vec(("[a-z_]{1,6}", value), 0..4).prop_map(|pairs| {
        let body: Vec<String> = pairs
            .into_iter()
            .map(|(k, v)| format!("{}: {v}", json_str(&k)))
            .collect();
        format!("{{{}}}", body.join(", "))
    });
    prop_oneof![
        6 => object,
        1 => prop::sample::select(vec!["", "  ", "[1]", "\"s\"", "{bad", "NaN", "{\"a\": NaN}", "{\"x\": \"$X\"}"])
            .prop_map(str::to_owned),
        1 => text(),
    ]
}

/// A class path value: an importable class, padded or referenced, or empty.
fn class_value() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(CLASSES.to_vec()).prop_map(str::to_owned),
        2 => (prop::sample::select(vec![" ", "  ", "\t", ""]), prop::sample::select(CLASSES.to_vec()), prop::sample::select(vec![" ", "", "\t"]))
            .prop_map(|(a, c, b)| format!("{a}{c}{b}")),
        1 => prop::sample::select(vec!["", " ", "$CLS", "${CLS}", "%(cls)s", "reference_backends.Nope"]).prop_map(str::to_owned),
    ]
}

fn bool_value() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "True",
        "false",
        "t",
        "F",
        "1",
        "0",
        " true ",
        "yes",
        "",
        "true # on",
        "TRUE",
    ])
    .prop_map(str::to_owned)
}

fn int_value() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "60", " 60 ", "0", "1.0", "1.5", "-1", "x", "", "900", "+5", "1e2",
    ])
    .prop_map(str::to_owned)
}

/// A `_CMD` command printing generated text (only `printf` and `echo`).
fn command(payload: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    (prop::sample::select(vec!["printf", "echo"]), payload).prop_map(|(program, p)| {
        // Single-quoted for shlex: a `'` inside is closed, escaped and reopened.
        format!("{program} '{}'", p.replace('\'', "'\\''"))
    })
}

/// The options the library reads, by (section, key), with a value strategy each.
fn option() -> impl Strategy<Value = (&'static str, &'static str, String)> {
    prop_oneof![
        3 => class_value().prop_map(|v| ("secrets", "backend", v)),
        3 => kwargs_text().prop_map(|v| ("secrets", "backend_kwargs", v)),
        1 => command(kwargs_text()).prop_map(|v| ("secrets", "backend_kwargs_cmd", v)),
        2 => class_value().prop_map(|v| ("workers", "secrets_backend", v)),
        2 => kwargs_text().prop_map(|v| ("workers", "secrets_backend_kwargs", v)),
        1 => command(kwargs_text()).prop_map(|v| ("workers", "secrets_backend_kwargs_cmd", v)),
        1 => bool_value().prop_map(|v| ("core", "multi_team", v)),
        1 => bool_value().prop_map(|v| ("secrets", "use_cache", v)),
        1 => int_value().prop_map(|v| ("secrets", "cache_ttl_seconds", v)),
        1 => class_value().prop_map(|v| ("secrets", "cls", v)),
        1 => text().prop_map(|v| ("secrets", "x", v)),
        1 => text().prop_map(|v| ("secrets", "X", v)),
    ]
}

/// An environment variable: an option's `AIRFLOW__…` name (rarely in lower case), a per-key override,
/// or a variable that values refer to.
fn env_var() -> impl Strategy<Value = (String, String)> {
    let override_prefix = prop::sample::select(vec![
        "AIRFLOW__SECRETS__BACKEND_KWARG__",
        "AIRFLOW__WORKERS__SECRETS_BACKEND_KWARG__",
    ]);
    prop_oneof![
        6 => (option(), prop::bool::weighted(0.05)).prop_map(|((section, key, value), lower)| {
            let name = format!("AIRFLOW__{}__{}", section.to_uppercase(), key.to_uppercase());
            (if lower { name.to_lowercase() } else { name }, value)
        }),
        2 => (override_prefix, "[A-Z_]{0,6}|[a-z]{1,3}", text()).prop_map(|(p, k, v)| (format!("{p}{k}"), v)),
        // X never refers to itself: Airflow's expand_env_var then loops for ever (`X=a$X` grows on each
        // round; ours stops at MAX_EXPANDED_LEN).
        1 => text().prop_map(|v| ("X".to_owned(), v.replace("$X", "$Y").replace("${X}", "${Y}"))),
        1 => class_value().prop_map(|v| ("CLS".to_owned(), v)),
    ]
}

/// One `airflow.cfg` line: an option, a continuation, a comment or a blank line.
fn cfg_line() -> impl Strategy<Value = String> {
    let key_case = prop::sample::select(vec![0u8, 0, 0, 0, 1, 2]);
    let delimiter = prop::sample::select(vec!["=", " = ", ": ", " =", "="]);
    prop_oneof![
        8 => (option(), key_case, delimiter).prop_map(|((_, key, value), case, d)| {
            let key = match case {
                1 => key.to_uppercase(),
                2 => {
                    let mut k = key.to_owned();
                    k[..1].make_ascii_uppercase();
                    k
                }
                _ => key.to_owned(),
            };
            format!("{key}{d}{value}")
        }),
        1 => text().prop_map(|t| format!("    {t}")),
        1 => prop::sample::select(vec!["# comment", "; comment", "", "  # indented"]).prop_map(str::to_owned),
    ]
}

fn cfg_text() -> impl Strategy<Value = Option<String>> {
    let section = (
        prop::sample::select(vec![
            "secrets", "secrets", "secrets", "workers", "workers", "core", "DEFAULT", "SECRETS",
            " secrets",
        ]),
        prop::collection::vec(cfg_line(), 0..5),
    )
        .prop_map(|(name, lines)| format!("[{name}]\n{}\n", lines.join("\n")));
    prop::option::weighted(
        0.7,
        prop::collection::vec(section, 1..4).prop_map(|s| s.concat()),
    )
}

fn case() -> impl Strategy<Value = Case> {
    (cfg_text(), prop::collection::vec(env_var(), 0..6)).prop_map(|(cfg_text, vars)| {
        let mut env = vec![
            ("HOME".to_owned(), "/home/ref".to_owned()),
            ("PATH".to_owned(), "/usr/bin:/bin".to_owned()),
        ];
        for (name, value) in vars {
            // One value per name (the last), as in a real environment.
            env.retain(|(n, _)| *n != name);
            env.push((name, value));
        }
        Case { cfg_text, env }
    })
}

/// Airflow's reading for `context` from the reference's answer.
fn airflow_reading(answer: &Value, context: &str) -> Reading {
    if let Some(e) = answer.get("file_error").or_else(|| answer.get("error")) {
        return Err(e.to_string());
    }
    let value = |name: &str| -> Result<&Value, String> {
        let item = &answer[name];
        match item.get("error") {
            Some(e) => Err(format!("{name}: {e}")),
            None => Ok(&item["value"]),
        }
    };
    // In our reading order: multi_team, the backend, use_cache, cache_ttl_seconds.
    let multi_team = value("multi_team")?.as_bool().expect("a boolean");
    let backend = match value(context)? {
        Value::Null => None,
        b => Some((
            b["class_path"].as_str().expect("a class").to_owned(),
            b["kwargs"].clone(),
        )),
    };
    let use_cache = value("use_cache")?.as_bool().expect("a boolean");
    let ttl = value("cache_ttl_seconds")?.as_i64().expect("an integer");
    Ok((backend, multi_team, use_cache, ttl))
}

async fn our_reading(case: &Case, context: ProcessContext) -> Reading {
    let config = AirflowConfig::from_vars(case.env.iter().cloned()).map_err(|e| e.to_string())?;
    let file = match &case.cfg_text {
        None => None,
        Some(text) => Some(
            CfgFile::parse(Path::new("/etc/airflow/airflow.cfg"), text)
                .map_err(|e| e.to_string())?,
        ),
    };
    let settings = SecretsSettings::load(&config.with_cfg_file(file), context)
        .await
        .map_err(|e| e.to_string())?;
    Ok((
        settings
            .backend
            .map(|b| (b.class_path, Value::Object(b.kwargs))),
        settings.multi_team,
        settings.use_cache,
        settings.cache_ttl.as_secs() as i64,
    ))
}

/// A difference that is a declared departure (see docs/parity.md), by kind.
fn departure(airflow: &Reading, ours: &Reading) -> Option<&'static str> {
    match (airflow, ours) {
        (Ok(_), Err(e)) if e.contains("invalid JSON") || e.contains("must hold a JSON object") => {
            Some(
                "departure — backend kwargs that are not a JSON object: Airflow uses {}, we refuse",
            )
        }
        (Ok(_), Err(e)) if e.contains("_CMD") && e.contains("exited with status") => Some(
            "departure — a backend kwargs `_CMD` that fails: Airflow uses {} (its getjson error is \
             swallowed), we refuse",
        ),
        (Ok((_, _, _, ttl)), Err(e)) if *ttl < 0 && e.contains("cache_ttl_seconds") => {
            Some("departure — a negative cache_ttl_seconds: Airflow keeps it, we refuse")
        }
        _ => None,
    }
}

/// Both read the same, or both refuse. Airflow imports the class while reading; we refuse a class
/// path that names no backend when building it (`UnknownClassPath`), so Airflow's "could not be
/// loaded" and our reading of a class path other than the two importable ones agree.
fn agree(airflow: &Reading, ours: &Reading) -> bool {
    match (airflow, ours) {
        (Err(_), Err(_)) => true,
        (Ok(a), Ok(b)) => a == b,
        (Err(e), Ok((Some((class_path, _)), ..))) => {
            e.contains("The object could not be loaded") && !CLASSES.contains(&class_path.as_str())
        }
        _ => false,
    }
}

/// Reads every case on both sides, for a server and a worker, and fails on a disagreement that is not a
/// declared departure.
async fn compare(suite: &str, cases: &[Case], seed: u64) {
    let requests = cases
        .iter()
        .map(|c| {
            let env: Map<String, Value> = c
                .env
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            json!({"cfg_text": c.cfg_text, "env": env})
        })
        .collect();
    let started = std::time::Instant::now();
    let answers = reference().batch("config_read", requests);
    let airflow_time = started.elapsed();
    let mut disagreements = Disagreements::default();
    let mut compared = 0;
    for (case, answer) in cases.iter().zip(&answers) {
        for (name, context) in [
            ("server", ProcessContext::Server),
            ("worker", ProcessContext::Worker),
        ] {
            compared += 1;
            let airflow = airflow_reading(answer, name);
            let ours = our_reading(case, context).await;
            if agree(&airflow, &ours) {
                continue;
            }
            match departure(&airflow, &ours) {
                Some(kind) => disagreements.known(kind),
                None => disagreements.add((name, case), airflow, ours),
            }
        }
    }
    eprintln!(
        "{suite}: Airflow {airflow_time:?}, ours {:?}",
        started.elapsed() - airflow_time
    );
    disagreements.assert_none(suite, compared, seed);
}

#[tokio::test]
async fn generated_configurations_read_as_airflow_reads_them() {
    let (cases, seed) = generate(case(), 3_000, 30);
    compare("configuration", &cases, seed).await;
}

#[tokio::test]
async fn configuration_edge_table() {
    let with_env = |cfg: Option<&str>, vars: &[(&str, &str)]| Case {
        cfg_text: cfg.map(str::to_owned),
        env: [("HOME", "/home/ref"), ("PATH", "/usr/bin:/bin")]
            .iter()
            .chain(vars)
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    };
    let r = "reference_backends.Recorder";
    let cases = [
        // Section names are case-sensitive: [SECRETS] is not read.
        with_env(
            Some("[SECRETS]\nuse_cache = True\nbackend = reference_backends.Recorder\n"),
            &[],
        ),
        // Whitespace around a class path: Airflow cannot import it, from the environment or a $VAR;
        // the file's own spaces are stripped by configparser.
        with_env(
            None,
            &[("AIRFLOW__SECRETS__BACKEND", " reference_backends.Recorder ")],
        ),
        with_env(None, &[("AIRFLOW__SECRETS__BACKEND", "  ")]),
        with_env(
            None,
            &[(
                "AIRFLOW__WORKERS__SECRETS_BACKEND",
                "reference_backends.WorkerRecorder\t",
            )],
        ),
        with_env(
            Some("[secrets]\nbackend =   reference_backends.Recorder   \n"),
            &[],
        ),
        with_env(
            Some("[secrets]\nbackend = $CLS\n"),
            &[("CLS", " reference_backends.Recorder")],
        ),
        with_env(Some("[secrets]\nbackend = ${CLS}\n"), &[("CLS", r)]),
        // strict configparser, exact interpolation names, [DEFAULT] only for existing sections.
        with_env(Some("[secrets]\nbackend = a\nbackend = b\n"), &[]),
        with_env(Some("[secrets]\n[secrets]\n"), &[]),
        with_env(Some("[secrets]\nno delimiter\n"), &[]),
        with_env(
            Some("[secrets]\nx = reference_backends\nbackend = %(X)s.Recorder\n"),
            &[],
        ),
        with_env(
            Some("[secrets]\nx = reference_backends\nbackend = %(x)s.Recorder\n"),
            &[],
        ),
        with_env(Some("[DEFAULT]\nuse_cache = true\n[secrets]\n"), &[]),
        with_env(Some("[DEFAULT]\nuse_cache = true\n"), &[]),
        // getint and getboolean.
        with_env(None, &[("AIRFLOW__SECRETS__CACHE_TTL_SECONDS", "1e2")]),
        with_env(None, &[("AIRFLOW__SECRETS__CACHE_TTL_SECONDS", " +1_0 ")]),
        with_env(None, &[("AIRFLOW__SECRETS__CACHE_TTL_SECONDS", "1.5")]),
        with_env(None, &[("AIRFLOW__SECRETS__USE_CACHE", "True # on")]),
        with_env(None, &[("AIRFLOW__CORE__MULTI_TEAM", "yes")]),
        // Kwargs: JSON over lines, $VAR expansion, per-key overrides (lower-cased, raw), `_CMD` output.
        with_env(
            Some(
                "[secrets]\nbackend = reference_backends.Recorder\nbackend_kwargs = {\"a\": \"$V\",\n\n    \"b\": \"#;\"}\n",
            ),
            &[
                ("V", "~/x"),
                ("AIRFLOW__SECRETS__BACKEND_KWARG__Role_Id", "$V"),
            ],
        ),
        with_env(
            None,
            &[
                ("AIRFLOW__SECRETS__BACKEND", r),
                (
                    "AIRFLOW__SECRETS__BACKEND_KWARGS_CMD",
                    "printf '{\"k\": \"$V %%\"}'",
                ),
                ("V", "v"),
            ],
        ),
        with_env(
            None,
            &[
                ("AIRFLOW__SECRETS__BACKEND", r),
                (
                    "AIRFLOW__WORKERS__SECRETS_BACKEND",
                    "reference_backends.WorkerRecorder",
                ),
                ("AIRFLOW__WORKERS__SECRETS_BACKEND_KWARGS", "{\"w\": 1}"),
                ("AIRFLOW__SECRETS__BACKEND_KWARG__S", "s"),
                ("AIRFLOW__WORKERS__SECRETS_BACKEND_KWARG__W", "2"),
            ],
        ),
        // Lower-case variable names are not Airflow's.
        with_env(None, &[("airflow__secrets__backend", r)]),
    ];
    compare("configuration (edge table)", &cases, 0).await;
}
