//! Regression tests for what fuzzing and the property tests found.
//!
//! * Every input under `fuzz/regressions/<target>/` is replayed through the same invariant checks the
//!   fuzz targets run (`fuzz/checks.rs`), so a finding stays fixed once it is committed there.
//! * The findings are also spelled out below, with the exact behaviour they pin down.
//!
//! See `scripts/fuzz.sh` and `/fuzz/` for the targets; `tests/properties.rs` for the property tests.

#[path = "../../../fuzz/checks.rs"]
mod checks;

use std::path::Path;

use airflow_secrets_core::kwargs::parse_kwargs;
use airflow_secrets_core::{Connection, ConnectionFlavor};

const SDK: ConnectionFlavor = ConnectionFlavor::TaskSdk;
const ORM: ConnectionFlavor = ConnectionFlavor::Orm;

fn regressions(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut inputs: Vec<(String, Vec<u8>)> = entries
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    inputs.sort();
    inputs
}

fn replay(target: &str, check: fn(&[u8])) -> usize {
    let inputs = regressions(target);
    for (name, data) in &inputs {
        let outcome = std::panic::catch_unwind(|| check(data));
        assert!(outcome.is_ok(), "fuzz/regressions/{target}/{name} fails");
    }
    inputs.len()
}

#[test]
fn committed_fuzz_inputs_pass_the_fuzz_checks() {
    let replayed = replay("connection_uri", checks::check_connection_uri)
        + replay("connection_json", checks::check_connection_json)
        + replay("backend_kwargs", checks::check_backend_kwargs)
        + replay("local_files", checks::check_local_files);
    // The folder is part of the repository; an empty replay would mean a broken path.
    assert!(replayed >= 6, "only {replayed} inputs replayed");
}

/// `connection_uri` finding (not a bug: Airflow's own behaviour, which the invariant now allows):
/// `get_uri` writes `<type>://<protocol>://<host>`, and the parser's `uri.replace("<type>://", "")`
/// also eats the end of a protocol that *ends with* the type, so such a host does not round-trip.
#[test]
fn a_host_protocol_ending_with_the_type_is_eaten_by_airflows_replace() {
    let uri = "cccccccp://ht........httCCCCCCCp://re%0Aeurmpl%3Ate%ZZs%0!\0\0.";
    let c = Connection::from_uri_as("c", uri, SDK).unwrap();
    assert_eq!(c.conn_type.as_deref(), Some("cccccccp"));
    assert_eq!(
        c.host.as_deref(),
        Some("ht........httcccccccp://re\neurmpl:te%ZZs%0!\0\0.")
    );
    let written = c.get_uri();
    assert_eq!(
        written,
        "cccccccp://ht........httcccccccp://re%0Aeurmpl%3Ate%25ZZs%250%21%00%00."
    );
    let again = Connection::from_uri_as("c", &written, SDK).unwrap();
    assert_eq!(again.host.as_deref(), Some(""));
    assert_eq!(
        again.schema.as_deref(),
        Some("t........httre\neurmpl:te%ZZs%0!\0\0.")
    );
    checks::check_connection_uri(uri.as_bytes());

    // The simplest form of it: `db://mydb://x`.
    let c = Connection::from_uri_as("c", "db://MYDB://x", SDK).unwrap();
    assert_eq!(c.host.as_deref(), Some("mydb://x"));
    assert_eq!(c.get_uri(), "db://mydb://x");
    let again = Connection::from_uri_as("c", "db://mydb://x", SDK).unwrap();
    assert_eq!(again.host.as_deref(), Some(""));
}

/// Property-test finding (Airflow's behaviour): in the ORM flavour `:@host` gives login `""` and
/// drops the `""` password; `get_uri` then writes no `@`, so the next round trip has no login. A URI
/// round trip settles in two steps, not one.
#[test]
fn orm_empty_password_leaves_a_bare_login_that_the_next_round_trip_drops() {
    let c = Connection::from_uri_as("c", "t://:@h:0/db", ORM).unwrap();
    assert_eq!(c.login.as_deref(), Some(""));
    assert!(c.password.is_none());
    assert_eq!(c.port, Some(0));
    assert_eq!(c.get_uri(), "t://h/db");
    let again = Connection::from_uri_as("c", &c.get_uri(), ORM).unwrap();
    assert_eq!((again.login, again.port), (None, None));
    // The task SDK keeps the password (port 0 is not written by either class).
    let c = Connection::from_uri_as("c", "t://:@h:0/db", SDK).unwrap();
    assert_eq!(c.get_uri(), "t://:@h/db");
}

/// Property-test finding (Airflow's behaviour): a task-SDK extra that is a JSON *string* is written by
/// `as_json` as that string, which `from_json` keeps verbatim as an extra that is no longer JSON.
#[test]
fn sdk_extra_holding_a_json_string_unwraps_once_per_json_round_trip() {
    let c = Connection::from_json_as("c", r#"{"extra": "\"x\""}"#, SDK).unwrap();
    assert_eq!(c.extra.as_deref(), Some(r#""x""#));
    assert_eq!(c.as_json(), r#"{"extra": "x"}"#);
    let again = Connection::from_json_as("c", &c.as_json(), SDK).unwrap();
    assert_eq!(again.extra.as_deref(), Some("x"));
    assert_eq!(again.as_json(), "{}");
}

/// Property-test finding, a **bug fixed in `kwargs.rs`**: serde writes `invalid type: string
/// "<value>", expected <what>`, and the redaction kept everything after the *first* `, expected `,
/// so a value containing `, expected ` leaked its tail into the error (`expected S3CR3T", expected
/// a map`). It now splits at the last one.
#[test]
fn kwargs_errors_do_not_show_a_value_containing_serdes_separator() {
    for (kwargs, field) in [
        (r#"{"auth_type": ", expected S3CR3T"}"#, "auth_type"),
        (
            r#"{"session_kwargs": "x, expected S3CR3T"}"#,
            "session_kwargs",
        ),
        (r#"{"scopes": "a, expected S3CR3T\"x"}"#, "scopes"),
        (r#"{"scopes": ["a", 1, "S3CR3T, expected x"]}"#, "scopes[1]"),
    ] {
        let map = serde_json::from_str(kwargs).unwrap();
        let err = parse_kwargs::<checks::ProviderLikeKwargs>("P", &map)
            .unwrap_err()
            .to_string();
        assert!(err.contains(&format!("kwarg `{field}`")), "{err}");
        assert!(err.contains("expected"), "{err}");
        assert!(!err.contains("S3CR3T"), "{err}");
        checks::check_backend_kwargs(kwargs.as_bytes());
    }
}

/// Issue "Trust", item 1 (a **bug fixed in `local_filesystem/yaml_file.rs`**), committed as
/// `fuzz/regressions/local_files/yaml-*` so that the fuzzer starts from them: anchors that wrap
/// earlier aliases nested past any stack (alias *nodes* were capped, not the depth they add), a
/// 1 KB string copied by exponentially many aliases (the node cap let it grow to ~20 MB before it
/// stopped it; longer strings reached gigabytes), and flow nesting past yaml-rust2's scanner limit
/// (then a bare `recursion limit exceeded`). Each is now a parse error at its line, well within the fuzz
/// target's memory bound.
#[test]
fn trust_01_yaml_bombs_in_the_fuzz_regressions_are_refused_with_their_line() {
    let files = regressions("local_files");
    for (name, line, message) in [
        (
            "yaml-nesting-bomb-through-aliases",
            4,
            "nesting deeper than 127 levels",
        ),
        (
            "yaml-alias-bytes-bomb",
            5,
            "aliases expand to more than 8 MiB",
        ),
        (
            "yaml-deep-flow-nesting",
            1,
            "nesting deeper than 127 levels",
        ),
    ] {
        let (_, data) = files
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("fuzz/regressions/local_files/{name} is missing"));
        let text = std::str::from_utf8(data).unwrap();
        let err = airflow_secrets_core::fuzzing::parse_yaml_file(text).unwrap_err();
        assert_eq!(err.line, Some(line), "{name}: {err}");
        assert!(err.message.starts_with(message), "{name}: {err}");
        checks::check_local_files(data);
    }
}
