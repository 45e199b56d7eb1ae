//! Hand-written tests of `Connection`: redaction, error messages that never leak, round trips, key
//! order, the stored-value rule, the documented deviations from Airflow, and a no-panic sweep.

mod common;

use airflow_secrets_core::{Connection, ConnectionError, ConnectionFlavor, pyjson};
use common::Rng;
use serde_json::{Value, json};

const FLAVORS: [ConnectionFlavor; 2] = [ConnectionFlavor::TaskSdk, ConnectionFlavor::Orm];

// ----- redaction ---------------------------------------------------------------------------------

#[test]
fn debug_and_display_never_show_password_or_extra_values() {
    let uris = [
        "postgres://admin:Sup3r%2FS3cret@db.example.com:5432/app?sslmode=verify-full&api_key=K3yV4lue",
        "http://admin:Sup3r%2FS3cret@h/?__extra__=%7B%22api_key%22%3A+%22K3yV4lue%22%2C+%22n%22%3A+1%7D",
        "http://:Sup3r%2FS3cret@h?__extra__=%5B%22K3yV4lue%22%5D",
    ];
    for flavor in FLAVORS {
        for uri in uris {
            let Ok(conn) = Connection::from_uri_as("c", uri, flavor) else {
                assert_eq!(flavor, ConnectionFlavor::Orm, "{uri}"); // the list extra is ORM-invalid
                continue;
            };
            assert!(
                conn.get_uri().contains("Sup3r%2FS3cret"),
                "sanity: get_uri carries the password"
            );
            for shown in [format!("{conn:?}"), format!("{conn:#?}"), conn.to_string()] {
                for secret in ["Sup3r", "S3cret", "K3yV4lue"] {
                    assert!(!shown.contains(secret), "{secret} leaked in {shown}");
                }
            }
        }
    }
    let conn = Connection::from_uri("c", uris[0]).unwrap();
    assert_eq!(
        conn.to_string(),
        "postgres://admin:***@db.example.com:5432/app?sslmode=***&api_key=***"
    );
    let debug = format!("{conn:?}");
    assert!(debug.contains(r#"password: Some(***)"#), "{debug}");
    assert!(
        debug.contains(r#"extra: Some(keys["sslmode", "api_key"])"#),
        "{debug}"
    );
    let typed = Connection::from_uri("c", uris[1]).unwrap();
    assert_eq!(typed.to_string(), "http://admin:***@h/?__extra__=***");
    // No password, no extra: the redacted URI is the URI.
    let plain = Connection::from_uri("c", "mysql://u@h:1/db").unwrap();
    assert_eq!(plain.to_string(), plain.get_uri());
}

#[test]
fn error_messages_never_contain_the_input() {
    let secret = "S3cr3tPw";
    let uris = [
        format!("mysql://user:{secret}/x@host/db"),
        format!("mysql://user:{secret}?x@host/db"),
        format!("mysql://user:{secret}#x@host/db"),
        format!("mysql://user:{secret}@host:99999/db"),
        format!("a://user:{secret}@b://c://d"),
        format!("type://user:{secret}@protocol://host"),
        format!("mysql://user:{secret}@[::1/db"),
        format!("mysql://user:{secret}@[1.2.3.4]/db"),
        format!("mysql://user:{secret}@h\u{ff20}x/db"),
    ];
    for flavor in FLAVORS {
        for uri in &uris {
            let err = Connection::from_uri_as("c", uri, flavor).expect_err(uri);
            for shown in [err.to_string(), format!("{err:?}")] {
                assert!(!shown.contains(secret), "{uri}: {shown}");
            }
        }
        let orm_extra = format!("t://h?__extra__={secret}");
        if let Err(err) = Connection::from_uri_as("c", &orm_extra, flavor) {
            assert!(!err.to_string().contains(secret));
        }
        let jsons = [
            format!(r#"{{"password": "{secret}", "port": "{secret}"}}"#),
            format!(r#"{{"password": "{secret}", "port": 1.5e9}}"#),
            format!(r#"{{"password": "{secret}", "host": ["{secret}"]}}"#),
            format!(r#"{{"password": "{secret}", "extra": "{secret}"}}"#),
            format!(r#"{{"password": "{secret}", "extra": ["{secret}"]}}"#),
            format!(r#"{{"uri": "x://u:{secret}@h", "host": "{secret}"}}"#),
            format!(r#"{{"password": "{secret}" "#),
            format!(r#"["{secret}"]"#),
        ];
        for text in &jsons {
            match Connection::from_json_as("c", text, flavor) {
                Err(err) => {
                    for shown in [err.to_string(), format!("{err:?}")] {
                        assert!(!shown.contains(secret), "{text}: {shown}");
                    }
                }
                Ok(_) => assert!(
                    text.contains("\"extra\""),
                    "{text} should fail in {flavor:?}"
                ),
            }
        }
    }
}

#[test]
fn error_messages_keep_airflow_prefixes() {
    let cases: [(&str, &str); 5] = [
        ("a://b://c://d", "Invalid connection string"),
        ("t://u:p@proto://h", "Invalid connection string"),
        (
            "mysql://u:pa/ss@h",
            "Port could not be cast to integer value",
        ),
        ("mysql://h:65536", "Port out of range 0-65535"),
        ("mysql://[::1", "Invalid connection string"),
    ];
    for (uri, prefix) in cases {
        let err = Connection::from_uri("c", uri).unwrap_err();
        assert!(err.to_string().starts_with(prefix), "{uri}: {err}");
    }
    let err = Connection::from_json("c", r#"{"port": "abc"}"#).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Expected integer value for `port`"),
        "{err}"
    );
    let err = Connection::from_json("c", r#"{"uri": "x://", "host": "h"}"#).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("You must create an object using the URI or individual values")
    );
    assert!(err.to_string().ends_with("(also given: host)"), "{err}");
    let err =
        Connection::from_json_as("c", r#"{"extra": "x"}"#, ConnectionFlavor::Orm).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Encountered non-JSON in `extra` field"),
        "{err}"
    );
    let err =
        Connection::from_json_as("c", r#"{"extra": "[]"}"#, ConnectionFlavor::Orm).unwrap_err();
    assert_eq!(err, ConnectionError::ExtraNotObject { found: "an array" });
}

#[test]
fn json_errors_carry_position_and_key_names() {
    let err = Connection::from_json("c", "{\n  \"host\": \"h\",\n  \"port\": }").unwrap_err();
    assert_eq!(
        err,
        ConnectionError::InvalidJson {
            line: 3,
            column: 11,
            reason: "expected value"
        }
    );
    let err =
        Connection::from_json("c", r#"{"hots": 1, "host": "h", "conn_id": "x"}"#).unwrap_err();
    assert_eq!(
        err,
        ConnectionError::UnexpectedKeys {
            keys: vec!["hots".into(), "conn_id".into()]
        }
    );
    assert!(err.to_string().contains(r#""hots", "conn_id""#), "{err}");
    let err = Connection::from_json("c", r#"{"host": 5}"#).unwrap_err();
    assert_eq!(
        err,
        ConnectionError::WrongFieldType {
            field: "host",
            expected: "a string or null",
            found: "an integer"
        }
    );
    let err = Connection::from_json("c", "[1]").unwrap_err();
    assert_eq!(err, ConnectionError::JsonNotObject { found: "an array" });
    // Task SDK 1.3.2: `int(port)` for a truthy port, as the ORM class (`int(True)` is 1).
    assert_eq!(
        Connection::from_json("c", r#"{"port": true}"#)
            .unwrap()
            .port,
        Some(1)
    );
    let err = Connection::from_json("c", r#"{"port": [1]}"#).unwrap_err();
    assert_eq!(
        err,
        ConnectionError::PortNotIntegerValue { found: "an array" }
    );
    let err = Connection::from_json("c", r#"{"uri": "x://", "description": "d", "port": ""}"#)
        .unwrap_err();
    // Task SDK 1.3.2 drops a falsy port before the check: only `description` is mixed.
    assert_eq!(
        err,
        ConnectionError::UriMixedWithFields {
            fields: vec!["description"]
        }
    );
}

// ----- the stored-value rule ----------------------------------------------------------------------

#[test]
fn deserialize_strips_python_whitespace_and_dispatches() {
    for flavor in FLAVORS {
        for blank in ["", " ", "\n\t \r", "\u{1c}\u{3000}\u{a0}", "\u{85}\u{2028}"] {
            assert_eq!(
                Connection::deserialize("c", blank, flavor),
                Err(ConnectionError::Empty)
            );
        }
        let c = Connection::deserialize("c", "\u{1f}\u{3000} mysql://H/db \n", flavor).unwrap();
        assert_eq!(
            (c.host.as_deref(), c.schema.as_deref()),
            (Some("h"), Some("db"))
        );
        let c =
            Connection::deserialize("c", "\n {\"conn_type\": \"http\"} \u{a0}", flavor).unwrap();
        assert_eq!(c.conn_type.as_deref(), Some("http"));
        assert_eq!(c.conn_id, "c");
        assert_eq!(c.flavor, flavor);
        // Not starting with `{` after stripping: a URI, even if it looks like JSON elsewhere.
        let c = Connection::deserialize("c", "[\"x\"]", flavor).unwrap();
        assert_eq!(c.schema.as_deref(), Some("\"x\"]"));
        // `{` but broken JSON: a JSON error, not a URI.
        assert!(matches!(
            Connection::deserialize("c", "{mysql://h", flavor),
            Err(ConnectionError::InvalidJson { .. })
        ));
    }
}

// ----- flavour differences ------------------------------------------------------------------------

#[test]
fn flavour_differences() {
    let (sdk, orm) = (ConnectionFlavor::TaskSdk, ConnectionFlavor::Orm);
    // Empty password.
    let s = Connection::from_uri_as("c", "http://user:@host", sdk).unwrap();
    let o = Connection::from_uri_as("c", "http://user:@host", orm).unwrap();
    assert_eq!(s.password.as_ref().map(|p| p.expose()), Some(""));
    assert_eq!(o.password, None);
    assert_eq!(
        (s.get_uri(), o.get_uri()),
        ("http://user:@host".into(), "http://user@host".into())
    );
    // Port 0 in get_uri: neither class writes it (task SDK 1.3.2: `if self.port:`).
    let zero = |f| {
        Connection::new("c")
            .with_flavor(f)
            .with_host("h")
            .with_port(0)
            .get_uri()
    };
    assert_eq!((zero(sdk), zero(orm)), ("//h".into(), "//h".into()));
    // Host whose protocol equals the conn_type: kept whole in both (task SDK 1.3.2, Airflow 3.3.2), since
    // `http://http://x.org` would hit the `http://http://host` quirk on re-parse.
    let proto = |f| {
        Connection::new("c")
            .with_flavor(f)
            .with_conn_type("http")
            .with_host("http://x.org")
            .get_uri()
    };
    for f in [sdk, orm] {
        assert_eq!(proto(f), "http://http%3A%2F%2Fx.org");
        let back = Connection::from_uri_as("c", &proto(f), f).unwrap();
        assert_eq!(
            (back.host.as_deref(), back.schema.as_deref()),
            (Some("http://x.org"), Some(""))
        );
    }
    // A different protocol is emitted in both.
    let other = |f| {
        Connection::new("c")
            .with_flavor(f)
            .with_conn_type("spark")
            .with_host("k8s://h")
            .get_uri()
    };
    assert_eq!(
        (other(sdk), other(orm)),
        ("spark://k8s://h".into(), "spark://k8s://h".into())
    );
    // URI query values are read as JSON in the ORM flavour only (3.3.2); get_uri then carries __extra__.
    let uri = "t://h/?n=5&s=x";
    let s = Connection::from_uri_as("c", uri, sdk).unwrap();
    let o = Connection::from_uri_as("c", uri, orm).unwrap();
    assert_eq!(Value::Object(s.extra_dejson()), json!({"n": "5", "s": "x"}));
    assert_eq!(o.extra.as_deref(), Some(r#"{"n": 5, "s": "x"}"#));
    assert_eq!(s.get_uri(), uri);
    assert_eq!(
        o.get_uri(),
        "t://h/?__extra__=%7B%22n%22%3A+5%2C+%22s%22%3A+%22x%22%7D"
    );
    assert_eq!(
        Connection::from_uri_as("c", &o.get_uri(), orm).unwrap(),
        o,
        "still round-trips"
    );
    // A string value that looks like JSON stays a string in both (extra_dejson decodes once).
    for f in [sdk, orm] {
        let c = Connection::from_json_as("c", r#"{"extra": {"k": "9"}}"#, f).unwrap();
        assert_eq!(Value::Object(c.extra_dejson()), json!({"k": "9"}));
        assert_eq!(c.get_uri(), "///?k=9");
    }
    // Extra validation.
    assert!(Connection::from_uri_as("c", "t://h?__extra__=nope", sdk).is_ok());
    assert!(Connection::from_uri_as("c", "t://h?__extra__=nope", orm).is_err());
}

// ----- key order, to_dict, as_json ----------------------------------------------------------------

#[test]
fn key_order_is_preserved() {
    for flavor in FLAVORS {
        let c =
            Connection::from_uri_as("c", "t://h/s?zeta=z&alpha=a&mid=m&alpha=b", flavor).unwrap();
        assert_eq!(
            c.extra.as_deref(),
            Some(r#"{"zeta": "z", "alpha": "b", "mid": "m"}"#)
        );
        let keys: Vec<String> = c.extra_dejson().keys().cloned().collect();
        assert_eq!(keys, ["zeta", "alpha", "mid"]);
        assert!(
            c.as_json()
                .ends_with(r#""extra": {"zeta": "z", "alpha": "b", "mid": "m"}}"#)
        );
    }
    let c = Connection::from_uri("c", "t://h/s?zeta=z&alpha=a&mid=m&alpha=b").unwrap();
    assert_eq!(c.get_uri(), "t://h/s?zeta=z&alpha=b&mid=m");
    let c = Connection::from_json("c", r#"{"extra": {"b": "1", "a": "2", "c": "3"}}"#).unwrap();
    assert_eq!(c.get_uri(), "///?b=1&a=2&c=3");
}

#[test]
fn to_dict_follows_airflow() {
    let c = Connection::new("my id")
        .with_extra(r#"{"b": 1, "a": [null]}"#)
        .with_port(0)
        .with_password("")
        .with_schema("s")
        .with_login("l")
        .with_host("h")
        .with_description("d")
        .with_conn_type("t");
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    let full = c.to_dict(false);
    assert_eq!(
        keys(&full),
        [
            "conn_id",
            "conn_type",
            "description",
            "host",
            "login",
            "password",
            "schema",
            "port",
            "extra"
        ]
    );
    assert_eq!(full["extra"], json!({"b": 1, "a": [null]}));
    assert_eq!(
        c.as_json(),
        r#"{"conn_type": "t", "description": "d", "host": "h", "login": "l", "password": "", "schema": "s", "port": 0, "extra": {"b": 1, "a": [null]}}"#
    );
    let empty = Connection::new("e");
    assert_eq!(
        empty.to_dict(false),
        json!({"conn_id": "e", "conn_type": null, "description": null, "host": null, "login": null,
               "password": null, "schema": null, "port": null, "extra": {}})
    );
    assert_eq!(empty.to_dict(true), json!({"conn_id": "e"}));
    assert_eq!(empty.as_json(), "{}");
    // Non-ASCII and floats as Python's json.dumps writes them.
    let c = Connection::new("u")
        .with_password("pä😀")
        .with_extra(r#"{"f": 1e16, "g": 0.00001}"#);
    assert_eq!(
        c.as_json(),
        r#"{"password": "p\u00e4\ud83d\ude00", "extra": {"f": 1e+16, "g": 1e-05}}"#
    );
}

#[test]
fn fields_to_uri() {
    let c = Connection::new("c")
        .with_conn_type("google_cloud_platform")
        .with_login("dom\\user@corp")
        .with_password("p@ss w:rd/+~")
        .with_host("Host.Example")
        .with_port(8443)
        .with_schema("a/b c")
        .with_extra_map(
            json!({"scope": "a b+c", "path": "/x:y", "é": "ü"})
                .as_object()
                .unwrap()
                .clone(),
        );
    assert_eq!(
        c.get_uri(),
        "google-cloud-platform://dom%5Cuser%40corp:p%40ss%20w%3Ard%2F%2B~@Host.Example:8443/a%2Fb%20c\
         ?scope=a+b%2Bc&path=%2Fx%3Ay&%C3%A9=%C3%BC"
    );
    let back = Connection::from_uri("c", &c.get_uri()).unwrap();
    assert_eq!(
        back.host.as_deref(),
        Some("host.example"),
        "hostnames come back lower-cased"
    );
    assert_eq!(back.password, c.password);
    assert_eq!(back.login, c.login);
    assert_eq!(back.schema, c.schema);
    assert_eq!(back.extra, c.extra);
    assert_eq!(back.conn_type, c.conn_type);
    // Login without password, port without host: `@:port`.
    assert_eq!(Connection::new("c").with_port(5).get_uri(), "//@:5");
    assert_eq!(
        Connection::new("c").with_login("").with_port(5).get_uri(),
        "//@:5"
    );
    assert_eq!(
        Connection::new("c").with_login("u").with_port(5).get_uri(),
        "//u@:5"
    );
    assert_eq!(
        Connection::new("c").with_conn_type("T_X").get_uri(),
        "t-x://"
    );
    assert_eq!(
        Connection::new("c").with_extra("{}").get_uri(),
        "///?__extra__=%7B%7D"
    );
    assert_eq!(Connection::new("c").with_extra("").get_uri(), "//");
}

// ----- round trips --------------------------------------------------------------------------------

#[test]
fn from_uri_of_get_uri_is_identity() {
    let extras = [
        None,
        Some(r#"{"a": "b"}"#),
        Some(r#"{"key path": "/k/k.json", "scope": "https://x/y?z=1&w=2", "e": ""}"#),
        Some(r#"{"\u00e9": "\u00fc+ \u00df"}"#),
    ];
    let conns = [
        (
            "postgres",
            "db.example.com",
            Some("user"),
            Some("pw"),
            Some(5432),
            "app",
        ),
        (
            "mysql",
            "/var/run/MySQL.sock",
            Some("dom/u@x"),
            Some("p:w@/?#&= +%"),
            None,
            "a/b?c",
        ),
        ("google_cloud_platform", "h", None, None, Some(0), "x"),
        (
            "spark",
            "k8s://10.0.0.1",
            Some(""),
            Some("z"),
            Some(443),
            "s",
        ),
        (
            "http",
            "ünïcode.example",
            Some("ü"),
            Some("😀"),
            Some(65535),
            "ß",
        ),
        ("t", "h", None, Some(""), None, "s"),
    ];
    let mut checked = 0;
    for flavor in FLAVORS {
        for (conn_type, host, login, password, port, schema) in conns {
            for extra in extras {
                let mut c = Connection::new("rt")
                    .with_flavor(flavor)
                    .with_conn_type(conn_type);
                c.host = Some(host.into());
                c.login = login.map(Into::into);
                c.password = password.map(Into::into);
                c.port = port;
                c.schema = Some(schema.into());
                c.extra = extra.map(Into::into);
                if flavor == ConnectionFlavor::Orm && password == Some("") {
                    continue; // not representable in the ORM flavour
                }
                if port == Some(0) {
                    c.port = None; // get_uri drops port 0 (both classes)
                }
                let back = Connection::from_uri_as("rt", &c.get_uri(), flavor).unwrap();
                if c.login.is_none() && c.password.is_some() {
                    c.login = Some(String::new()); // `//:pw@h` has an empty login, as in Airflow
                }
                assert_eq!(back, c, "{}", c.get_uri());
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 44);
}

#[test]
fn json_round_trip_through_as_json() {
    for flavor in FLAVORS {
        let c = Connection::from_uri_as("c", "mysql://u:p%20w@h:3306/db?a=x&b=y", flavor).unwrap();
        let back = Connection::from_json_as("c", &c.as_json(), flavor).unwrap();
        assert_eq!(back.get_uri(), c.get_uri());
        assert_eq!(back.as_json(), c.as_json());
    }
}

#[test]
fn generated_round_trips() {
    const PIECES: [&str; 24] = [
        "a", "Z", "0", " ", "/", ":", "@", "?", "#", "&", "=", "+", "%", "%41", "é", "😀", "\"",
        "{", "~", "_", "-", ".", "\\", "ß",
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let text = |rng: &mut Rng, min: usize| {
        (0..min + rng.below(6))
            .map(|_| rng.pick(&PIECES))
            .collect::<String>()
    };
    let mut checked = 0;
    while checked < 400 {
        let flavor = FLAVORS[checked % 2];
        let mut c = Connection::new("g")
            .with_flavor(flavor)
            .with_conn_type(rng.pick(&["mysql", "google_cloud_platform", "a.b+c"]));
        // Hostnames come back lower-cased (unless they contain `/`); a `://` in a host is a protocol.
        c.host = Some(text(&mut rng, 1).to_lowercase());
        c.login = (rng.below(3) > 0).then(|| text(&mut rng, 1));
        c.password = (rng.below(3) > 0).then(|| text(&mut rng, 1).into());
        c.port = (rng.below(2) > 0).then(|| 1 + (rng.next() % 65535) as u16);
        c.schema = Some(text(&mut rng, 1));
        if rng.below(2) > 0 {
            let mut map = serde_json::Map::new();
            for _ in 0..1 + rng.below(3) {
                map.insert(text(&mut rng, 0), Value::String(text(&mut rng, 0)));
            }
            c.extra = Some(pyjson::dumps(&map));
        }
        // The ORM flavour reads a query value that is JSON (`0`, `"x"`) as JSON: not a round trip (in
        // Airflow 3.3.2 either).
        let lossy = flavor == ConnectionFlavor::Orm
            && c.extra_dejson().values().any(|v| {
                let v = v.as_str().unwrap_or_default();
                !v.is_empty() && serde_json::from_str::<Value>(v).is_ok()
            });
        if c.host.as_deref().is_some_and(|h| h.contains("://")) || lossy {
            continue;
        }
        let uri = c.get_uri();
        let back =
            Connection::from_uri_as("g", &uri, flavor).unwrap_or_else(|e| panic!("{uri}: {e}"));
        if c.login.is_none() && c.password.is_some() {
            c.login = Some(String::new()); // `//:pw@h` has an empty login, as in Airflow
        }
        assert_eq!(back, c, "{uri}");
        checked += 1;
    }
}

// ----- documented deviations ----------------------------------------------------------------------

#[test]
fn documented_deviations() {
    let orm = ConnectionFlavor::Orm;
    // Python accepts any int as a port (70000): we require 0..=65535. A fraction is truncated by
    // `int()` in both (1.5 → 1).
    assert_eq!(
        Connection::from_json_as("c", r#"{"port": 70000}"#, orm),
        Err(ConnectionError::PortOutOfRange)
    );
    assert_eq!(
        Connection::from_json_as("c", r#"{"port": 1.5}"#, orm)
            .unwrap()
            .port,
        Some(1)
    );
    // Python stores any JSON type in a string field; we require a string (or null).
    assert!(matches!(
        Connection::from_json("c", r#"{"login": 5}"#),
        Err(ConnectionError::WrongFieldType { .. })
    ));
    // extra_dejson is always a map: a task-SDK extra that is JSON but not an object gives {} there
    // (Python returns the list); to_dict and as_json report the real value.
    let c = Connection::from_uri("c", "t://h?__extra__=%5B1%5D").unwrap();
    assert!(c.extra_dejson().is_empty());
    assert_eq!(c.to_dict(false)["extra"], json!([1]));
    assert_eq!(
        c.as_json(),
        r#"{"conn_type": "t", "host": "h", "schema": "", "extra": [1]}"#
    );
    // The empty value is an error, not an IndexError.
    assert_eq!(
        Connection::deserialize("c", "  ", orm),
        Err(ConnectionError::Empty)
    );
}

// ----- never a panic ------------------------------------------------------------------------------

#[test]
fn no_panic_on_odd_input() {
    const TOKENS: [&str; 48] = [
        "@",
        ":",
        "/",
        "?",
        "#",
        "://",
        "%",
        "%2",
        "%41",
        "%C3",
        "%ff",
        "+",
        " ",
        "\t",
        "\n",
        "[",
        "]",
        "é",
        "\0",
        "a",
        "B",
        "1",
        "_",
        "-",
        ".",
        "=",
        "&",
        "%2F",
        "%3A",
        "%40",
        "~",
        "\u{2100}",
        "\u{ff20}",
        "{",
        "}",
        "\"",
        "v",
        "::",
        "__extra__=",
        "mysql",
        "65536",
        "99999999999999999999",
        "[::1]",
        "[v1.x]",
        "\u{1c}",
        "\u{3000}",
        "😀",
        ",",
    ];
    const JSON_BITS: [&str; 28] = [
        "{",
        "}",
        "[",
        "]",
        "\"uri\"",
        "\"host\"",
        "\"port\"",
        "\"extra\"",
        "\"password\"",
        "\"conn_type\"",
        ":",
        ",",
        "null",
        "true",
        "0",
        "-1",
        "1.5",
        "1e999",
        "\"\"",
        "\"x://h\"",
        "\"5\"",
        "\"{}\"",
        "{\"a\":1}",
        "\"\\u0000\"",
        "\"\\ud800\"",
        " ",
        "\n",
        "70000",
    ];
    let mut rng = Rng(42);
    let mut outcomes = [0usize; 2];
    for i in 0..2000 {
        let text: String = if i % 3 == 2 {
            let mut s = String::from("{");
            s.extend((0..rng.below(12)).map(|_| rng.pick(&JSON_BITS)));
            s
        } else {
            (0..rng.below(16)).map(|_| rng.pick(&TOKENS)).collect()
        };
        for flavor in FLAVORS {
            for result in [
                Connection::from_uri_as("x", &text, flavor),
                Connection::from_json_as("x", &text, flavor),
                Connection::deserialize("x", &text, flavor),
            ] {
                outcomes[usize::from(result.is_ok())] += 1;
                match result {
                    Ok(c) => {
                        let _ = (
                            c.get_uri(),
                            c.as_json(),
                            c.to_dict(false),
                            c.extra_dejson(),
                            c.to_string(),
                            format!("{c:?}"),
                        );
                    }
                    Err(e) => {
                        let _ = (e.to_string(), format!("{e:?}"));
                    }
                }
            }
        }
    }
    assert!(
        outcomes[0] > 1000 && outcomes[1] > 1000,
        "both outcomes are exercised: {outcomes:?}"
    );
}
