//! `LocalFilesystemBackend`: variables, configs, file handling and errors, through the public API and
//! the `SecretsBackend` trait's provided methods. Cases marked "Airflow" are ported from
//! `airflow-core/tests/unit/always/test_secrets_local_filesystem.py`.

mod common;

use std::path::Path;

use airflow_secrets_core::kwargs::Kwargs;
use airflow_secrets_core::{
    Error, FileParseError, LocalFilesystemBackend, SecretKind, SecretsBackend,
};
use common::{data, file};
use serde_json::json;

const BACKEND: &str = "LocalFilesystemBackend";

fn vars(path: &Path) -> LocalFilesystemBackend {
    LocalFilesystemBackend::new().with_variables_file_path(path)
}

async fn variable(path: &Path, key: &str) -> Result<Option<String>, Error> {
    Ok(vars(path)
        .get_variable(key)
        .await?
        .map(|v| v.expose().to_owned()))
}

async fn config(path: &Path, key: &str) -> Result<Option<String>, Error> {
    let b = LocalFilesystemBackend::new().with_configs_file_path(path);
    Ok(b.get_config(key).await?.map(|v| v.expose().to_owned()))
}

/// Asserts the variable each key names in `path`: its value, or `None` if not found.
async fn assert_variables(path: &Path, cases: &[(&str, Option<&str>)]) {
    for &(key, want) in cases {
        assert_eq!(variable(path, key).await.unwrap().as_deref(), want, "{key}");
    }
}

/// Asserts each `(key, value)` of `expected` is found in `path` both as a variable and as a config;
/// failures show the file's `content`.
async fn assert_variables_and_configs(path: &Path, expected: &[(&str, &str)], content: &str) {
    for &(key, want) in expected {
        assert_eq!(
            variable(path, key).await.unwrap().as_deref(),
            Some(want),
            "{content:?}"
        );
        assert_eq!(
            config(path, key).await.unwrap().as_deref(),
            Some(want),
            "{content:?}"
        );
    }
}

/// Each problem as displayed: `line L, column C: message`, or `line L: message` without a column.
fn parse_errors(err: Error) -> Vec<String> {
    match err {
        Error::FileParse {
            backend, errors, ..
        } => {
            assert_eq!(backend, BACKEND);
            errors.iter().map(FileParseError::to_string).collect()
        }
        other => panic!("expected FileParse, got {other:?}"),
    }
}

// ----- fixtures -----------------------------------------------------------------------------------

#[tokio::test]
async fn env_fixture_values_are_taken_verbatim() {
    let path = data("variables.env");
    let cases = [
        ("GREETING", Some("hello world")),
        ("QUOTED", Some(r#"'{"k1": "val1", "k2": "val2"}'"#)),
        ("WITH_EQUALS", Some("a=b=c")),
        ("SPACED ", Some(" value with spaces ")),
        ("SPACED", None),
        ("URL", Some("https://example.com/?q=1&r=2")),
        ("greeting", None), // keys are case-sensitive
        ("MISSING", None),
    ];
    assert_variables(&path, &cases).await;
}

#[tokio::test]
async fn json_fixture_values_are_returned_as_parsed() {
    let path = data("variables.json");
    // Expected: Python's value if a str, else json.dumps(value); None for null.
    let cases = [
        ("greeting", Some("hello")),
        ("empty", Some("")),
        ("number", Some("42")),
        ("float", Some("1.0")),
        // serde_json: integers beyond u64 become floats (Python keeps every digit).
        ("big", Some("1.2345678901234568e+29")),
        ("flag", Some("true")),
        ("nothing", None),
        ("list", Some(r#"[1, "two", {"three": 3}]"#)),
        ("object", Some(r#"{"b": 1, "a": [true, null]}"#)),
        ("unicode", Some("héllo 😀")),
        ("repeated", Some("last")),
        ("missing", None),
    ];
    assert_variables(&path, &cases).await;
}

#[tokio::test]
async fn yaml_fixture_follows_yaml_1_1_like_pyyaml() {
    let path = data("variables.yaml");
    let cases = [
        ("greeting", Some("hello")),
        ("yes_is_true", Some("true")),
        ("off_is_false", Some("false")),
        ("octal", Some("493")),
        ("sexagesimal", Some("90")),
        ("not_a_float", Some("1e3")),
        ("a_float", Some("1500.0")),
        ("null_value", None),
        ("none_string", Some("None")),
        ("date", Some("2001-12-14")),
        ("quoted", Some("yes")),
        ("folded", Some("folded text\n")),
        ("literal", Some("line 1\nline 2\n")),
        ("base", Some(r#"{"user": "admin", "port": 5432}"#)),
        ("merged", Some(r#"{"user": "admin", "port": 6432}"#)),
        ("repeated", Some("last")),
    ];
    assert_variables(&path, &cases).await;
    // `.yml` reads the same.
    let (_dir, yml) = file("v.YML", std::fs::read(&path).unwrap());
    assert_eq!(
        variable(&yml, "octal").await.unwrap().as_deref(),
        Some("493")
    );
}

#[tokio::test]
async fn configs_fixture() {
    let path = data("configs.yaml");
    let cases = [
        (
            "sql_alchemy_conn",
            Some("postgresql://user:pass@db:5432/airflow"),
        ),
        ("one_element_list", Some("only")), // load_configs_dict unwraps a one-element list
        ("fernet_key", None),
        ("missing", None),
    ];
    for (key, want) in cases {
        assert_eq!(config(&path, key).await.unwrap().as_deref(), want, "{key}");
    }
    // The same file as *variables*: the list is not unwrapped.
    assert_eq!(
        variable(&path, "one_element_list")
            .await
            .unwrap()
            .as_deref(),
        Some(r#"["only"]"#)
    );
}

// ----- Airflow's TestLoadVariables / TestLoadConfigs ----------------------------------------------

#[tokio::test]
async fn airflow_env_file_should_load_variables_and_configs() {
    let cases: &[(&str, &[(&str, &str)])] = &[
        ("", &[]),
        ("KEY=AAA", &[("KEY", "AAA")]),
        (
            "KEY_A=AAA\nKEY_B=BBB",
            &[("KEY_A", "AAA"), ("KEY_B", "BBB")],
        ),
        (
            "KEY_A=AAA\n # AAAA\nKEY_B=BBB",
            &[("KEY_A", "AAA"), ("KEY_B", "BBB")],
        ),
        (
            "\n\n\n\nKEY_A=AAA\n\n\n\n\nKEY_B=BBB\n\n\n",
            &[("KEY_A", "AAA"), ("KEY_B", "BBB")],
        ),
        (
            "KEY_DICT='{\"k1\": \"val1\", \"k2\": \"val2\"}'",
            &[("KEY_DICT", "'{\"k1\": \"val1\", \"k2\": \"val2\"}'")],
        ),
        (
            "A=1\r\nB=2\rC=3\u{b}D=4\u{2028}E=5",
            &[("A", "1"), ("B", "2"), ("C", "3"), ("D", "4"), ("E", "5")],
        ),
    ];
    for (content, expected) in cases {
        let (_dir, path) = file("a.env", content);
        assert_variables_and_configs(&path, expected, content).await;
        assert_eq!(variable(&path, "OTHER").await.unwrap(), None);
    }
}

#[tokio::test]
async fn airflow_json_and_yaml_files_should_load_variables() {
    type Case = (
        &'static str,
        &'static str,
        &'static [(&'static str, &'static str)],
    );
    let cases: &[Case] = &[
        ("a.json", "{}", &[]),
        ("a.json", r#"{"KEY": "AAA"}"#, &[("KEY", "AAA")]),
        (
            "a.json",
            r#"{"KEY_A": "AAA", "KEY_B": "BBB"}"#,
            &[("KEY_A", "AAA"), ("KEY_B", "BBB")],
        ),
        ("a.yaml", "KEY: AAA", &[("KEY", "AAA")]),
        (
            "a.yaml",
            "\n            KEY:\n                KEY_1:\n                    - item1\n                    - item2\n            ",
            &[("KEY", r#"{"KEY_1": ["item1", "item2"]}"#)],
        ),
        (
            "a.yml",
            "\n            KEY_A: AAA\n            KEY_B: BBB\n            ",
            &[("KEY_A", "AAA"), ("KEY_B", "BBB")],
        ),
    ];
    for (name, content, expected) in cases {
        let (_dir, path) = file(name, content);
        assert_variables_and_configs(&path, expected, content).await;
    }
}

#[tokio::test]
async fn airflow_file_parsers_report_invalid_formats() {
    // (file name, content, [problem as displayed])
    type Case = (&'static str, &'static str, &'static [&'static str]);
    let cases: &[Case] = &[
        (
            "a.env",
            "AA",
            &[
                r#"line 1: Invalid line format. The line should contain at least one equal sign ("=")."#,
            ],
        ),
        (
            "a.env",
            "=",
            &["line 1: Invalid line format. Key is empty."],
        ),
        (
            "a.env",
            "KEY=",
            &["line 1: Invalid line format. Value is empty."],
        ),
        (
            "a.env",
            "   ",
            &[
                r#"line 1: Invalid line format. The line should contain at least one equal sign ("=")."#,
            ],
        ),
        (
            "a.env",
            "OK=1\nAA\n# comment\n=v\nK=\n\t\n",
            &[
                r#"line 2: Invalid line format. The line should contain at least one equal sign ("=")."#,
                "line 4: Invalid line format. Key is empty.",
                "line 5: Invalid line format. Value is empty.",
                r#"line 6: Invalid line format. The line should contain at least one equal sign ("=")."#,
            ],
        ),
        (
            "a.json",
            "[]",
            &["line 1: The file should contain the object."],
        ),
        (
            "a.json",
            "\"text\"",
            &["line 1: The file should contain the object."],
        ),
        (
            "a.json",
            "{AAAAA}",
            &["line 1, column 2: key must be a string"],
        ),
        ("a.json", "", &["line 1: The file is empty."]),
        (
            "a.json",
            "\n",
            &["line 2, column 1: EOF while parsing a value"],
        ),
        (
            "a.json",
            "{\n  \"a\": 1,\n  \"b\": 2,\n}",
            &["line 4, column 1: trailing comma"],
        ),
        (
            "a.json",
            "{\"a\": 1} {}",
            &["line 1, column 10: trailing characters"],
        ),
        (
            "a.json",
            "\u{feff}{}",
            &["line 1, column 1: Unexpected UTF-8 BOM (decode using utf-8-sig)"],
        ),
        (
            "a.yaml",
            "[]",
            &["line 1: The file should contain the object."],
        ),
        ("a.yaml", "", &["line 1: The file is empty."]),
        (
            "a.yaml",
            "\n",
            &["line 1: The file should contain the object."],
        ),
        (
            "a.yaml",
            "# just a comment",
            &["line 1: The file should contain the object."],
        ),
        (
            "a.yaml",
            "key:\n  - item1\n  - item2\ninvalid_yaml: }",
            &["line 4, column 15: while parsing a node, did not find expected node content"],
        ),
        (
            "a.yml",
            "a: 1\n---\nb: 2",
            &[
                "line 2, column 1: expected a single document in the stream, but found another document",
            ],
        ),
    ];
    for (name, content, expected) in cases {
        let (_dir, path) = file(name, content);
        let got = parse_errors(variable(&path, "KEY").await.unwrap_err());
        let want: Vec<_> = expected.iter().map(|e| e.to_string()).collect();
        assert_eq!(got, want, "{name} {content:?}");
        // Configs read the same way.
        assert_eq!(parse_errors(config(&path, "KEY").await.unwrap_err()), want);
    }
}

#[tokio::test]
async fn parse_error_display_lists_every_problem() {
    let (_dir, path) = file("vars.env", "A\nB=\n");
    let err = variable(&path, "A").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "LocalFilesystemBackend: failed to load the secret file `{}`:\n  \
             line 1: Invalid line format. The line should contain at least one equal sign (\"=\").\n  \
             line 2: Invalid line format. Value is empty.",
            path.display()
        )
    );
    assert!(err.is_lookup_error());
}

#[tokio::test]
async fn airflow_repeated_keys_are_variable_not_unique() {
    let (_dir, path) = file("a.env", "AA=A\nAA=B\nBB=1\nCC=1\nCC=2\nCC=3");
    for kind in [SecretKind::Variable, SecretKind::Config] {
        let b = match kind {
            SecretKind::Variable => vars(&path),
            _ => LocalFilesystemBackend::new().with_configs_file_path(&path),
        };
        let err = b.get(kind, "BB").await.unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "LocalFilesystemBackend: the file `{}` contains multiple values for {kind} keys: AA, CC",
                path.display()
            )
        );
        assert!(
            matches!(err, Error::DuplicateKeys { kind: k, ref keys, .. } if k == kind && keys == &["AA", "CC"])
        );
    }
}

#[tokio::test]
async fn json_configs_with_lists_of_other_lengths_are_not_unique() {
    let (_dir, path) = file(
        "c.json",
        r#"{"ok": ["x"], "two": ["a", "b"], "none": [], "plain": 1, "null_in_list": [null]}"#,
    );
    let err = config(&path, "ok").await.unwrap_err();
    assert!(
        matches!(err, Error::DuplicateKeys { kind: SecretKind::Config, ref keys, .. } if keys == &["two", "none"])
    );
    // As variables, lists are plain values.
    assert_eq!(
        variable(&path, "two").await.unwrap().as_deref(),
        Some(r#"["a", "b"]"#)
    );
    assert_eq!(
        variable(&path, "none").await.unwrap().as_deref(),
        Some("[]")
    );
    let (_dir2, path) = file(
        "c.json",
        r#"{"ok": ["x"], "plain": 1, "null_in_list": [null]}"#,
    );
    assert_eq!(config(&path, "ok").await.unwrap().as_deref(), Some("x"));
    assert_eq!(config(&path, "plain").await.unwrap().as_deref(), Some("1"));
    assert_eq!(config(&path, "null_in_list").await.unwrap(), None);
}

// ----- files, extensions, re-reading ---------------------------------------------------------------

#[tokio::test]
async fn extension_picks_the_parser_case_insensitively() {
    for (name, content) in [
        ("x.env", "K=v"),
        ("x.ENV", "K=v"),
        ("x.json", r#"{"K": "v"}"#),
        ("x.Json", r#"{"K": "v"}"#),
        ("x.yaml", "K: v"),
        ("x.YAML", "K: v"),
        ("x.yml", "K: v"),
        ("archive.tar.json", r#"{"K": "v"}"#),
    ] {
        let (_dir, path) = file(name, content);
        assert_eq!(
            variable(&path, "K").await.unwrap().as_deref(),
            Some("v"),
            "{name}"
        );
    }
}

#[tokio::test]
async fn unsupported_extensions_are_refused_before_reading() {
    for name in ["x.txt", "x", ".env", "x.", "x.env.bak", "x.ya ml"] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name); // never created: the extension is checked first
        for backend in [
            LocalFilesystemBackend::new().with_variables_file_path(&path),
            LocalFilesystemBackend::new().with_configs_file_path(&path),
            LocalFilesystemBackend::new().with_connections_file_path(&path),
        ] {
            let err = async {
                backend.get_variable("K").await?;
                backend.get_config("K").await?;
                backend.get_conn_value("K").await?;
                backend.get_connection("K").await
            }
            .await
            .unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "LocalFilesystemBackend: unsupported file format for `{}`. The file must have one of the \
                     following extensions: .env .json .yaml .yml",
                    path.display()
                ),
                "{name}"
            );
        }
    }
}

#[tokio::test]
async fn missing_or_unreadable_files_are_file_read_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    let err = variable(&missing, "K").await.unwrap_err();
    assert!(
        matches!(&err, Error::FileRead { kind: SecretKind::Variable, path, source, .. }
        if path == &missing && source.kind() == std::io::ErrorKind::NotFound)
    );
    assert!(err.to_string().starts_with(&format!(
        "LocalFilesystemBackend: cannot read the variable file `{}`: ",
        missing.display()
    )));
    // A directory with a supported extension.
    let as_dir = dir.path().join("dir.yaml");
    std::fs::create_dir(&as_dir).unwrap();
    assert!(matches!(
        config(&as_dir, "K").await.unwrap_err(),
        Error::FileRead {
            kind: SecretKind::Config,
            ..
        }
    ));
    let b = LocalFilesystemBackend::new().with_connections_file_path(&as_dir);
    assert!(matches!(
        b.get_connection("K").await.unwrap_err(),
        Error::FileRead {
            kind: SecretKind::Connection,
            ..
        }
    ));
}

#[tokio::test]
async fn files_are_optional() {
    // Airflow: test_files_are_optional
    let b = LocalFilesystemBackend::new();
    assert!(b.get_connection("CONN_A").await.unwrap().is_none());
    assert!(b.get_conn_value("CONN_A").await.unwrap().is_none());
    assert!(b.get_variable("VAR_A").await.unwrap().is_none());
    assert!(b.get_config("CONF_A").await.unwrap().is_none());
    // An empty path is "not configured" too (Airflow: `if not self.variables_file`).
    let b = LocalFilesystemBackend::new()
        .with_variables_file_path("")
        .with_connections_file_path("")
        .with_configs_file_path("");
    assert_eq!(b, LocalFilesystemBackend::new());
    assert!(b.get_variable("VAR_A").await.unwrap().is_none());
}

#[tokio::test]
async fn each_kind_reads_only_its_own_file() {
    let (_d1, v) = file("v.env", "KEY=from-variables");
    let (_d2, c) = file("c.env", "KEY=from-configs");
    let (_d3, n) = file("n.env", "KEY=mysql://host");
    let b = LocalFilesystemBackend::new()
        .with_variables_file_path(&v)
        .with_configs_file_path(&c)
        .with_connections_file_path(&n);
    assert_eq!(
        b.get_variable("KEY").await.unwrap().unwrap().expose(),
        "from-variables"
    );
    assert_eq!(
        b.get_config("KEY").await.unwrap().unwrap().expose(),
        "from-configs"
    );
    assert_eq!(
        b.get_conn_value("KEY").await.unwrap().unwrap().expose(),
        "mysql://host"
    );
    assert!(b.get_variable("CONN_B").await.unwrap().is_none());
}

#[tokio::test]
async fn the_file_is_re_read_on_every_lookup() {
    let (_dir, path) = file("live.json", r#"{"k": "one"}"#);
    let b = vars(&path);
    assert_eq!(b.get_variable("k").await.unwrap().unwrap().expose(), "one");
    std::fs::write(&path, r#"{"k": "two", "new": "x"}"#).unwrap();
    assert_eq!(b.get_variable("k").await.unwrap().unwrap().expose(), "two");
    assert_eq!(b.get_variable("new").await.unwrap().unwrap().expose(), "x");
    std::fs::write(&path, "{broken").unwrap();
    assert!(b.get_variable("k").await.is_err());
    std::fs::remove_file(&path).unwrap();
    assert!(matches!(
        b.get_variable("k").await.unwrap_err(),
        Error::FileRead { .. }
    ));
}

#[tokio::test]
async fn text_is_read_like_python_open() {
    // Universal newlines: \r\n and \r become \n before parsing (JSON line numbers count them).
    let (_d1, path) = file("a.json", "{\r\n\"a\": 1,\r\"b\": x}");
    assert_eq!(
        parse_errors(variable(&path, "a").await.unwrap_err()),
        ["line 3, column 6: expected value"]
    );
    // A UTF-8 BOM is not removed: in `.env` it becomes part of the first key.
    let (_d2, path) = file("a.env", "\u{feff}KEY=v\nOTHER=w");
    assert_eq!(variable(&path, "KEY").await.unwrap(), None);
    assert_eq!(
        variable(&path, "\u{feff}KEY").await.unwrap().as_deref(),
        Some("v")
    );
    // PyYAML skips it.
    let (_d3, path) = file("a.yaml", "\u{feff}KEY: v");
    assert_eq!(variable(&path, "KEY").await.unwrap().as_deref(), Some("v"));
    // Invalid UTF-8 is a parse error with its line, not a panic.
    let (_d4, path) = file("a.env", b"A=1\nB=\xff\xfe\n");
    assert_eq!(
        parse_errors(variable(&path, "A").await.unwrap_err()),
        ["line 2: the file is not valid UTF-8 (invalid byte at offset 6)"]
    );
}

#[tokio::test]
async fn non_string_top_level_yaml_keys_cannot_be_looked_up() {
    // PyYAML gives {1: 'w', '1': 'y', None: 'n'}; a lookup by string only finds the string key.
    let (_dir, path) = file("a.yaml", "1: x\n'1': y\ntrue: z\n1.0: w\n~: n");
    assert_eq!(variable(&path, "1").await.unwrap().as_deref(), Some("y"));
    assert_eq!(variable(&path, "true").await.unwrap(), None);
    assert_eq!(variable(&path, "null").await.unwrap(), None);
}

// ----- construction ---------------------------------------------------------------------------------

fn kwargs(v: serde_json::Value) -> Kwargs {
    v.as_object().unwrap().clone()
}

#[tokio::test]
async fn from_kwargs_reads_airflows_kwargs() {
    let (_dir, path) = file("v.json", r#"{"k": "v"}"#);
    let b = LocalFilesystemBackend::from_kwargs(&kwargs(json!({
        "variables_file_path": path.to_str().unwrap(),
        "connections_file_path": null,
        "configs_file_path": "",
    })))
    .unwrap();
    assert_eq!(b.variables_file_path(), Some(path.as_path()));
    assert_eq!(b.connections_file_path(), None);
    assert_eq!(b.configs_file_path(), None);
    assert_eq!(b.get_variable("k").await.unwrap().unwrap().expose(), "v");
    assert_eq!(b.name(), "LocalFilesystemBackend");
    assert_eq!(
        LocalFilesystemBackend::CLASS_PATH,
        "airflow.secrets.local_filesystem.LocalFilesystemBackend"
    );
    assert_eq!(
        LocalFilesystemBackend::from_kwargs(&Kwargs::new()).unwrap(),
        LocalFilesystemBackend::new()
    );
}

#[test]
fn from_kwargs_rejects_unknown_and_mistyped_kwargs() {
    let err = LocalFilesystemBackend::from_kwargs(&kwargs(json!({"variables_file": "/x.env"})))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "LocalFilesystemBackend: unknown kwarg `variables_file`; accepted kwargs are: variables_file_path, \
         connections_file_path, configs_file_path"
    );
    let err =
        LocalFilesystemBackend::from_kwargs(&kwargs(json!({"configs_file_path": ["s3cr3t"]})))
            .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidKwarg { kwarg, .. } if kwarg == "configs_file_path"),
        "{err}"
    );
    assert!(!err.to_string().contains("s3cr3t"));
}

/// Polls a future to completion without any async runtime.
fn block_on<F: std::future::Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

#[test]
fn works_without_a_tokio_runtime() {
    let (_dir, path) = file("v.yaml", "k: v");
    let b = vars(&path);
    assert_eq!(
        block_on(b.get_variable("k")).unwrap().unwrap().expose(),
        "v"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_lookups_on_a_multi_thread_runtime() {
    let (_dir, path) = file("v.json", r#"{"a": "1", "b": "2"}"#);
    let b = std::sync::Arc::new(vars(&path));
    let tasks: Vec<_> = (0..32)
        .map(|i| {
            let b = b.clone();
            tokio::spawn(async move {
                let key = if i % 2 == 0 { "a" } else { "b" };
                b.get_variable(key)
                    .await
                    .unwrap()
                    .unwrap()
                    .expose()
                    .to_owned()
            })
        })
        .collect();
    for (i, t) in tasks.into_iter().enumerate() {
        assert_eq!(t.await.unwrap(), if i % 2 == 0 { "1" } else { "2" });
    }
}

// ----- no secret in errors ----------------------------------------------------------------------------

#[tokio::test]
async fn errors_never_contain_values_from_the_file() {
    const SECRET: &str = "hunter2-S3CR3T";
    let cases = [
        ("a.env", format!("GOOD={SECRET}\n{SECRET}\nK=\n ={SECRET}")),
        ("a.env", format!("DUP={SECRET}\nDUP={SECRET}")),
        ("a.json", format!(r#"{{"k": "{SECRET}" "x": 1}}"#)),
        (
            "a.json",
            format!(r#"{{"k": "{SECRET}", "bad": "\q{SECRET}"}}"#),
        ),
        ("a.json", format!(r#"["{SECRET}"]"#)),
        ("a.json", format!("{{\"k\": \"{SECRET}\u{1}\"}}")),
        ("a.json", format!(r#"{{"k": {SECRET}}}"#)),
        ("a.yaml", format!("k: {SECRET}\n  bad: [")),
        ("a.yaml", format!("k: \"{SECRET}\u{7}\"")),
        ("a.yaml", format!("k: !!int {SECRET}")),
        ("a.yaml", format!("k: !!float {SECRET}")),
        ("a.yaml", format!("k: !!bool {SECRET}")),
        ("a.yaml", format!("- {SECRET}")),
        ("a.yaml", format!("k: {SECRET}\n---\nx: 1")),
        ("a.yaml", format!("? [{SECRET}]\n: v")),
    ];
    for (name, content) in cases {
        let (_dir, path) = file(name, &content);
        for result in [variable(&path, "k").await, config(&path, "k").await] {
            let err = result.expect_err(&content);
            assert!(!err.to_string().contains("S3CR3T"), "{err}");
            assert!(!format!("{err:?}").contains("S3CR3T"), "{err:?}");
        }
    }
}
