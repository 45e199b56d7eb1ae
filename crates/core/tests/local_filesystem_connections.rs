//! `LocalFilesystemBackend` connections: Airflow's `TestLoadConnection` cases (ported from
//! `airflow-core/tests/unit/always/test_secrets_local_filesystem.py`) and the `_create_connection`
//! rules, through `get_connection`, `get_connection_as` and `get_conn_value`.

mod common;

use std::path::Path;

use airflow_secrets_core::{
    Connection, ConnectionFlavor, Error, LocalFilesystemBackend, SecretKind, SecretsBackend,
};
use common::{connection_as, data, file};
use serde_json::{Value, json};

fn backend(path: &Path) -> LocalFilesystemBackend {
    LocalFilesystemBackend::new().with_connections_file_path(path)
}

async fn conn(path: &Path, conn_id: &str) -> Result<Option<Connection>, Error> {
    backend(path).get_connection(conn_id).await
}

/// The connection `conn_id` of the file at `path`; fails the test unless it is found.
async fn found(path: &Path, conn_id: &str) -> Connection {
    conn(path, conn_id)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{conn_id} not found"))
}

async fn uri_of(path: &Path, conn_id: &str) -> String {
    found(path, conn_id).await.get_uri()
}

/// The problem text of a `MalformedSecret`, checking the rest of the error.
fn malformed(err: Error, key: &str, path: &Path) -> String {
    match err {
        Error::MalformedSecret {
            backend,
            kind,
            key: k,
            problem,
        } => {
            assert_eq!(
                (backend, kind, k.as_str()),
                ("LocalFilesystemBackend", SecretKind::Connection, key)
            );
            let suffix = format!(" (in the file `{}`)", path.display());
            problem
                .strip_suffix(&suffix)
                .unwrap_or_else(|| panic!("{problem}"))
                .to_owned()
        }
        other => panic!("expected MalformedSecret, got {other:?}"),
    }
}

// ----- Airflow's TestLoadConnection ------------------------------------------------------------------

#[tokio::test]
async fn airflow_env_file_should_load_connection() {
    let cases: &[(&str, &[(&str, &str)])] = &[
        ("CONN_ID=mysql://host_1/", &[("CONN_ID", "mysql://host_1")]),
        (
            "CONN_ID1=mysql://host_1/\nCONN_ID2=mysql://host_2/",
            &[
                ("CONN_ID1", "mysql://host_1"),
                ("CONN_ID2", "mysql://host_2"),
            ],
        ),
        (
            "CONN_ID1=mysql://host_1/\n # AAAA\nCONN_ID2=mysql://host_2/",
            &[
                ("CONN_ID1", "mysql://host_1"),
                ("CONN_ID2", "mysql://host_2"),
            ],
        ),
        (
            "\n\n\n\nCONN_ID1=mysql://host_1/\n\n\n\n\nCONN_ID2=mysql://host_2/\n\n\n",
            &[
                ("CONN_ID1", "mysql://host_1"),
                ("CONN_ID2", "mysql://host_2"),
            ],
        ),
        // test_parsing_with_params
        (
            "CONN_ID=mysql://host_1/?param1=val1&param2=val2",
            &[("CONN_ID", "mysql://host_1/?param1=val1&param2=val2")],
        ),
    ];
    for (content, expected) in cases {
        let (_dir, path) = file("a.env", content);
        for (conn_id, uri) in *expected {
            assert_eq!(uri_of(&path, conn_id).await, *uri, "{content:?}");
        }
    }
}

#[tokio::test]
async fn airflow_env_file_invalid_format() {
    let cases = [
        (
            "AA",
            r#"Invalid line format. The line should contain at least one equal sign ("=")."#,
        ),
        ("=", "Invalid line format. Key is empty."),
        ("CONN_ID=", "Invalid line format. Value is empty."),
    ];
    for (content, message) in cases {
        let (_dir, path) = file("a.env", content);
        match conn(&path, "CONN_ID").await.unwrap_err() {
            Error::FileParse { errors, .. } => {
                assert_eq!(errors.len(), 1);
                assert_eq!(
                    (errors[0].line, errors[0].message.as_str()),
                    (Some(1), message)
                );
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn airflow_json_file_should_load_connection() {
    for content in [
        json!({"CONN_ID": "mysql://host_1"}),
        json!({"CONN_ID": ["mysql://host_1"]}),
        json!({"CONN_ID": {"uri": "mysql://host_1"}}),
        json!({"CONN_ID": [{"uri": "mysql://host_1"}]}),
    ] {
        let (_dir, path) = file("a.json", content.to_string());
        assert_eq!(
            uri_of(&path, "CONN_ID").await,
            "mysql://host_1",
            "{content}"
        );
    }
}

#[tokio::test]
async fn airflow_invalid_input() {
    let cases = [
        (
            json!({"CONN_ID": null}),
            "Unexpected value type: <class 'NoneType'>. The connection can only be defined using a string or object.",
        ),
        (
            json!({"CONN_ID": 1}),
            "Unexpected value type: <class 'int'>. The connection can only be defined using a string or object.",
        ),
        (
            json!({"CONN_ID": [2]}),
            "Unexpected value type: <class 'int'>. The connection can only be defined using a string or object.",
        ),
        (
            json!({"CONN_ID": [null]}),
            "Unexpected value type: <class 'NoneType'>. The connection can only be defined using a string or object.",
        ),
        (
            json!({"CONN_ID": 1.5}),
            "Unexpected value type: <class 'float'>. The connection can only be defined using a string or object.",
        ),
        (
            json!({"CONN_ID": true}),
            "Unexpected value type: <class 'bool'>. The connection can only be defined using a string or object.",
        ),
        (
            json!({"CONN_ID": [["mysql://h"]]}),
            "Unexpected value type: <class 'list'>. The connection can only be defined using a string or object.",
        ),
        (
            json!({"CONN_ID": {"AAA": "mysql://host_1"}}),
            "The object have illegal keys: AAA. The dictionary can only contain the following keys: {'conn_id', \
             'conn_type', 'description', 'extra', 'extra_dejson', 'host', 'login', 'password', 'port', 'schema', 'uri'}",
        ),
        (
            json!({"CONN_ID": {"conn_id": "BBBB"}}),
            "Mismatch conn_id. The `conn_id` field of the object differs from its key `CONN_ID`.",
        ),
    ];
    for (content, message) in cases {
        let (_dir, path) = file("a.json", content.to_string());
        assert_eq!(
            malformed(conn(&path, "CONN_ID").await.unwrap_err(), "CONN_ID", &path),
            message,
            "{content}"
        );
    }
}

#[tokio::test]
async fn airflow_ensure_unique_connection() {
    let cases = [
        (
            "a.json",
            json!({"CONN_ID": ["mysql://", "mysql://"]}).to_string(),
        ),
        (
            "a.json",
            json!({"CONN_ID": ["mysql://host_1", "mysql://host_2"]}).to_string(),
        ),
        (
            "a.json",
            json!({"CONN_ID": [{"uri": "mysql://host_1"}, {"uri": "mysql://host_2"}]}).to_string(),
        ),
        (
            "a.env",
            "CONN_ID=mysql://host_1/\nCONN_ID=mysql://host_2/".to_owned(),
        ),
        (
            "a.yaml",
            "\n            CONN_ID:\n              - mysql://hosta\n              - mysql://hostb"
                .to_owned(),
        ),
    ];
    for (name, content) in cases {
        let (_dir, path) = file(name, &content);
        let err = conn(&path, "OTHER").await.unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "LocalFilesystemBackend: the file `{}` contains multiple values for connection keys: CONN_ID",
                path.display()
            ),
            "{content}"
        );
        assert!(matches!(
            err,
            Error::DuplicateKeys {
                kind: SecretKind::Connection,
                ..
            }
        ));
    }
}

#[tokio::test]
async fn airflow_yaml_file_should_load_connection() {
    let path = data("connections.yaml");
    let a = found(&path, "conn_a").await;
    assert_eq!(
        (a.conn_type.as_deref(), a.host.as_deref()),
        (Some("mysql"), Some("hosta"))
    );
    let b = found(&path, "conn_b").await;
    assert_eq!(b.conn_type.as_deref(), Some("scheme"));
    assert_eq!(b.host.as_deref(), Some("host"));
    assert_eq!(b.schema.as_deref(), Some("lschema"));
    assert_eq!(b.login.as_deref(), Some("Login"));
    assert_eq!(b.password.as_ref().map(|p| p.expose()), Some("None"));
    assert_eq!(b.port, Some(1234));
    assert_eq!(
        Value::Object(b.extra_dejson()),
        json!({"arbitrary_dict": {"a": "b"}, "keyfile_dict": "{\"a\": \"b\"}", "keyfile_path": "asaa"})
    );
    // extra_dejson is json.dumps'ed, key order kept.
    assert_eq!(
        b.extra.as_deref(),
        Some(
            r#"{"arbitrary_dict": {"a": "b"}, "keyfile_dict": "{\"a\": \"b\"}", "keyfile_path": "asaa"}"#
        )
    );
    let c = found(&path, "conn_c").await;
    assert_eq!(
        Value::Object(c.extra_dejson()),
        json!({"keyfile_dict": {"a": "b"}})
    );
    // `.yml` reads the same (test_yaml_extension_parsers_return_same_result).
    let (_dir, yml) = file("a.yml", std::fs::read_to_string(&path).unwrap());
    assert_eq!(uri_of(&yml, "conn_a").await, uri_of(&path, "conn_a").await);
}

#[tokio::test]
async fn airflow_yaml_file_should_load_connection_extras() {
    let cases = [
        (
            "\n                conn_c:\n                   conn_type: scheme\n                   host: host\n                   schema: lschema\n                   login: Login\n                   password: None\n                   port: 1234\n                   extra_dejson:\n                     aws_conn_id: bbb\n                     region_name: ccc\n                 ",
            "conn_c",
            json!({"aws_conn_id": "bbb", "region_name": "ccc"}),
        ),
        (
            "\n                conn_d:\n                   conn_type: scheme\n                   extra_dejson:\n                     keyfile_dict:\n                       a: b\n                     key_path: xxx\n                ",
            "conn_d",
            json!({"keyfile_dict": {"a": "b"}, "key_path": "xxx"}),
        ),
        (
            "\n                conn_d:\n                   conn_type: scheme\n                   extra: '{\"keyfile_dict\": {\"a\": \"b\"}}'\n                ",
            "conn_d",
            json!({"keyfile_dict": {"a": "b"}}),
        ),
    ];
    for (content, conn_id, extra) in cases {
        let (_dir, path) = file("a.yaml", content);
        let c = found(&path, conn_id).await;
        assert_eq!(Value::Object(c.extra_dejson()), extra, "{content}");
    }
}

#[tokio::test]
async fn airflow_yaml_invalid_extra() {
    let content = "conn_c:\n   conn_type: scheme\n   extra:\n     abc: xyz\n   extra_dejson:\n     aws_conn_id: bbb\n";
    let (_dir, path) = file("a.yaml", content);
    assert_eq!(
        malformed(conn(&path, "conn_c").await.unwrap_err(), "conn_c", &path),
        "The extra and extra_dejson parameters are mutually exclusive. Please provide only one parameter."
    );
}

#[tokio::test]
async fn airflow_local_file_backend_reads_connection() {
    // TestLocalFileBackend.test_should_read_connection
    let (_dir, path) = file("testfile.env", "CONN_A=mysql://host_a");
    let b = backend(&path);
    assert_eq!(
        b.get_connection("CONN_A").await.unwrap().unwrap().get_uri(),
        "mysql://host_a"
    );
    assert!(b.get_variable("CONN_B").await.unwrap().is_none());
    assert!(b.get_connection("CONN_B").await.unwrap().is_none());
}

// ----- _create_connection semantics ------------------------------------------------------------------

#[tokio::test]
async fn fixtures_env_and_json() {
    let env = data("connections.env");
    let pg = found(&env, "MY_POSTGRES").await;
    assert_eq!(pg.conn_type.as_deref(), Some("postgres"));
    assert_eq!(pg.password.as_ref().map(|p| p.expose()), Some("p@ss"));
    assert_eq!(pg.conn_id, "MY_POSTGRES");
    assert_eq!(uri_of(&env, "MY_HTTP").await, "http://api.example.com");

    let js = data("connections.json");
    assert_eq!(uri_of(&js, "uri_string").await, "mysql://host_1");
    assert_eq!(uri_of(&js, "list_of_one").await, "mysql://host_2");
    let third = found(&js, "object_with_uri").await;
    assert_eq!(
        (third.host.as_deref(), third.description.as_deref()),
        (Some("host_3"), Some("the third"))
    );
    let fields = found(&js, "fields").await;
    // Connection(**value): conn_type is *not* normalised (from_json would give "postgres").
    assert_eq!(fields.conn_type.as_deref(), Some("postgresql"));
    assert_eq!(fields.port, Some(5432));
    assert_eq!(fields.extra.as_deref(), Some(r#"{"sslmode": "require"}"#));
    assert_eq!(fields.conn_id, "fields");
    // An empty list defines nothing.
    assert!(conn(&js, "empty_list").await.unwrap().is_none());
}

#[tokio::test]
async fn get_conn_value_is_the_uri_as_written_or_the_built_json() {
    let js = data("connections.json");
    let b = backend(&js);
    let value = |id: &'static str| {
        let b = b.clone();
        async move {
            b.get_conn_value(id)
                .await
                .unwrap()
                .map(|v| v.expose().to_owned())
        }
    };
    assert_eq!(
        value("uri_string").await.as_deref(),
        Some("mysql://host_1/")
    );
    assert_eq!(
        value("list_of_one").await.as_deref(),
        Some("mysql://host_2")
    );
    assert_eq!(
        value("object_with_uri").await.as_deref(),
        Some(
            r#"{"conn_type": "mysql", "description": "the third", "host": "host_3", "schema": ""}"#
        )
    );
    assert_eq!(
        value("fields").await.as_deref(),
        Some(
            r#"{"conn_type": "postgresql", "host": "db", "login": "user", "password": "secret", "schema": "app", "port": 5432, "extra": {"sslmode": "require"}}"#
        )
    );
    assert_eq!(value("empty_list").await, None);
    assert_eq!(value("missing").await, None);
    // The env file's value, verbatim.
    let env = backend(&data("connections.env"));
    assert_eq!(
        env.get_conn_value("MY_POSTGRES")
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "postgresql://user:p%40ss@db.example.com:5432/app?sslmode=require"
    );
}

#[tokio::test]
async fn the_flavour_is_the_callers() {
    let (_dir, path) = file("a.json", r#"{"c": "http://user:@HOST/?timeout=30"}"#);
    let b = backend(&path);
    let sdk = connection_as(&b, "c", ConnectionFlavor::TaskSdk).await;
    let orm = connection_as(&b, "c", ConnectionFlavor::Orm).await;
    assert_eq!(
        (sdk.flavor, orm.flavor),
        (ConnectionFlavor::TaskSdk, ConnectionFlavor::Orm)
    );
    assert_eq!(sdk.password.as_ref().map(|p| p.expose()), Some(""));
    assert!(orm.password.is_none());
    assert_eq!(
        b.get_connection("c").await.unwrap().unwrap().flavor,
        ConnectionFlavor::default()
    );
}

#[tokio::test]
async fn object_fields_follow_the_orm_constructor() {
    // (object, expected as_json of the built connection)
    let cases = [
        // An empty password is dropped (the ORM setter ignores falsy values); "" host is kept.
        (
            json!({"conn_type": "http", "password": "", "host": ""}),
            r#"{"conn_type": "http", "host": ""}"#,
        ),
        // Numbers and booleans in string fields: Python's str().
        (
            json!({"host": 123, "login": true, "password": 1.5}),
            r#"{"host": "123", "login": "True", "password": "1.5"}"#,
        ),
        // Ports: integers, or strings holding one; null / "" mean none.
        (json!({"port": "5432"}), r#"{"port": 5432}"#),
        (json!({"port": " 080 "}), r#"{"port": 80}"#),
        (json!({"port": "+80"}), r#"{"port": 80}"#),
        (json!({"port": "-0"}), r#"{"port": 0}"#),
        (json!({"port": 0}), r#"{"port": 0}"#),
        (json!({"port": null}), "{}"),
        (json!({"port": ""}), "{}"),
        // A falsy non-string extra is no extra; a truthy one is json.dumps'ed.
        (json!({"extra": {}}), "{}"),
        (json!({"extra": 0}), "{}"),
        (
            json!({"extra": {"b": [1, 2.0], "a": null}}),
            r#"{"extra": {"b": [1, 2.0], "a": null}}"#,
        ),
        (json!({"extra_dejson": {}}), "{}"),
        (
            json!({"conn_id": "c", "description": "d"}),
            r#"{"description": "d"}"#,
        ),
        // uri with a description (not a mix).
        (
            json!({"uri": "http://h", "description": "d", "host": ""}),
            r#"{"conn_type": "http", "description": "d", "host": "h", "schema": ""}"#,
        ),
        // A falsy uri is ignored.
        (json!({"uri": "", "host": "h"}), r#"{"host": "h"}"#),
    ];
    for (object, want) in cases {
        let (_dir, path) = file("a.json", json!({ "c": object }).to_string());
        let c = found(&path, "c").await;
        assert_eq!(c.as_json(), want, "{object}");
        assert_eq!(
            backend(&path)
                .get_conn_value("c")
                .await
                .unwrap()
                .unwrap()
                .expose(),
            want
        );
    }
    // An empty URI string is a connection with nothing set (Python: falsy `uri`), not "not found".
    let (_dir, path) = file("a.json", r#"{"c": ""}"#);
    let c = found(&path, "c").await;
    assert_eq!(
        (
            c.conn_type.as_deref(),
            c.host.as_deref(),
            c.get_uri().as_str()
        ),
        (None, None, "//")
    );
}

#[tokio::test]
async fn object_errors() {
    let cases = [
        (
            json!({"uri": "http://h", "host": "h"}),
            "You must create an object using the URI or individual values (conn_type, host, login, password, \
             schema, port or extra).You can't mix these two ways to create this object.",
        ),
        (
            json!({"uri": "http://h", "extra_dejson": {}}),
            "You must create an object using the URI or individual values (conn_type, host, login, password, \
             schema, port or extra).You can't mix these two ways to create this object.",
        ),
        (
            json!({"uri": 5}),
            "Invalid connection JSON: `uri` must be a string, but got an integer",
        ),
        (
            json!({"host": ["h"]}),
            "Invalid connection JSON: `host` must be a string, but got an array",
        ),
        (
            json!({"password": {"p": 1}}),
            "Invalid connection JSON: `password` must be a string, but got an object",
        ),
        (json!({"port": 70000}), "Port out of range 0-65535"),
        (json!({"port": -1}), "Port out of range 0-65535"),
        (json!({"port": "99999"}), "Port out of range 0-65535"),
        (json!({"port": " -1"}), "Port out of range 0-65535"),
        (json!({"port": "1".repeat(50)}), "Port out of range 0-65535"),
        (
            json!({"port": "http"}),
            "Expected integer value for `port`, but got a string that is not an integer instead",
        ),
        (
            json!({"port": 5432.0}),
            "Expected integer value for `port`, but got a float instead",
        ),
        (
            json!({"port": true}),
            "Invalid connection JSON: `port` must be an integer in 0..=65535 or a string holding one, but got a boolean",
        ),
        (
            json!({"extra": "not json"}),
            "Encountered non-JSON in `extra` field (expected ident at line 1, column 2)",
        ),
        (
            json!({"extra": [1]}),
            "Encountered JSON value in `extra` which does not parse as a dictionary (got an array). The `extra` \
             field must contain a JSON representation of a Python dict.",
        ),
        (
            json!({"extra_dejson": null}),
            "Encountered JSON value in `extra` which does not parse as a dictionary (got null). The `extra` \
             field must contain a JSON representation of a Python dict.",
        ),
        (
            json!({"extra_dejson": "text"}),
            "Encountered JSON value in `extra` which does not parse as a dictionary (got a string). The `extra` \
             field must contain a JSON representation of a Python dict.",
        ),
        (
            json!({"conn_id": 5}),
            "Mismatch conn_id. The `conn_id` field of the object differs from its key `c`.",
        ),
        (
            json!({"conn_id": null}),
            "Mismatch conn_id. The `conn_id` field of the object differs from its key `c`.",
        ),
        (
            json!({"host": "h", "passwd": "x", "extra_json": {}}),
            "The object have illegal keys: passwd, extra_json. The dictionary can only contain the following keys: \
             {'conn_id', 'conn_type', 'description', 'extra', 'extra_dejson', 'host', 'login', 'password', 'port', \
             'schema', 'uri'}",
        ),
    ];
    for (object, message) in cases {
        let (_dir, path) = file("a.json", json!({ "c": object }).to_string());
        assert_eq!(
            malformed(conn(&path, "c").await.unwrap_err(), "c", &path),
            message,
            "{object}"
        );
    }
    // A URI whose `__extra__` is not an object fails as in the ORM class, whatever the flavour.
    let (_dir, path) = file("a.env", "c=http://h/?__extra__=%5B1%5D");
    assert!(
        malformed(conn(&path, "c").await.unwrap_err(), "c", &path)
            .starts_with("Encountered JSON value in `extra`")
    );
}

#[tokio::test]
async fn one_bad_entry_fails_every_lookup_without_leaking() {
    let path = data("broken_connections.yaml");
    let b = backend(&path);
    for result in [
        b.get_connection("good").await.map(|_| ()),
        b.get_conn_value("good").await.map(|_| ()),
        b.get_connection_as("missing", ConnectionFlavor::Orm)
            .await
            .map(|_| ()),
    ] {
        let err = result.unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "LocalFilesystemBackend: the stored connection `bad` is malformed: The object have illegal keys: \
                 passwd. The dictionary can only contain the following keys: {{'conn_id', 'conn_type', \
                 'description', 'extra', 'extra_dejson', 'host', 'login', 'password', 'port', 'schema', 'uri'}} \
                 (in the file `{}`)",
                path.display()
            )
        );
        assert!(!err.to_string().contains("hunter2"));
    }
    // Errors in URIs never show the URI either.
    let (_dir, path) = file("a.env", "c=mysql://user:pa/ss-hunter2@host/db");
    let err = conn(&path, "c").await.unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");
    assert!(
        err.to_string()
            .contains("Port could not be cast to integer value"),
        "{err}"
    );
}

#[tokio::test]
async fn connection_keys_and_lookup() {
    // Lookups are by exact key (no upper-casing, unlike the environment backend).
    let (_dir, path) = file("a.yaml", "My_Conn: http://h\n1: http://one");
    assert!(conn(&path, "My_Conn").await.unwrap().is_some());
    assert!(conn(&path, "my_conn").await.unwrap().is_none());
    // A non-string key is built but cannot be looked up.
    assert!(conn(&path, "1").await.unwrap().is_none());
}
