//! Differential tests against the real Airflow ([`crate::airflow::run`]): generated inputs in batches
//! (one Python process per batch of thousands of cases, never one per case), the edge strategies they
//! are drawn from, and the report of every disagreement.
//!
//! Case counts scale with `AIRFLOW_SECRETS_DIFF_SCALE` (an integer multiplier, default 1: `=100` for
//! the long runs); `AIRFLOW_SECRETS_DIFF_SEED` replays a run (every failure prints its seed).

mod locations;

use std::fmt::Debug;
use std::time::{SystemTime, UNIX_EPOCH};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

pub use locations::{KINDS, compare_locations, first_name_asked, known_kwargs, locations_input};

/// The multiplier of every default case count: `AIRFLOW_SECRETS_DIFF_SCALE`, default 1.
pub fn scale() -> usize {
    match std::env::var("AIRFLOW_SECRETS_DIFF_SCALE") {
        Ok(text) => text
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .unwrap_or_else(|| {
                panic!("AIRFLOW_SECRETS_DIFF_SCALE must be a positive integer, got {text:?}")
            }),
        Err(_) => 1,
    }
}

/// A seeded generator: `AIRFLOW_SECRETS_DIFF_SEED` if set, else the clock (printed by [`Report`]).
pub struct Generator {
    seed: u64,
    runner: TestRunner,
}

impl Generator {
    /// A generator seeded from `AIRFLOW_SECRETS_DIFF_SEED`, or from the clock.
    pub fn new() -> Self {
        let seed = match std::env::var("AIRFLOW_SECRETS_DIFF_SEED") {
            Ok(text) => text.trim().parse().unwrap_or_else(|_| {
                panic!("AIRFLOW_SECRETS_DIFF_SEED must be a u64, got {text:?}")
            }),
            Err(_) => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0),
        };
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&seed.to_le_bytes());
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
        Generator {
            seed,
            runner: TestRunner::new_with_rng(Config::default(), rng),
        }
    }

    /// The seed, to replay this run with `AIRFLOW_SECRETS_DIFF_SEED`.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// `n` values of `strategy` (not shrunk: a disagreement is printed as generated).
    pub fn many<S: Strategy>(&mut self, strategy: S, n: usize) -> Vec<S::Value> {
        (0..n)
            .map(|_| {
                strategy
                    .new_tree(&mut self.runner)
                    .expect("a strategy that generates")
                    .current()
            })
            .collect()
    }
}

impl Default for Generator {
    fn default() -> Self {
        Self::new()
    }
}

/// Pieces keys are made of where path and name rules have their edges.
const KEY_PIECES: &[&str] = &[
    "",
    ".",
    "..",
    "...",
    "%2e%2e",
    "%2E.",
    ".%2e",
    "%",
    "%41",
    "/",
    "//",
    "\\",
    "_",
    "__",
    "-",
    "--",
    " ",
    "?",
    "#",
    ":",
    "@",
    "[",
    "]",
    "~",
    "+",
    "é",
    "ü",
    "日本",
    "🙂",
    "\u{0}",
    "\t",
    "\n",
    "a",
    "Z",
    "0",
    "9",
    "db",
    "smtp_default",
    "aws_default",
    "a.b",
    "conn-id",
];

/// Keys at the edges: every printable ASCII character, `/`, `..`, `%2e%2e`, separators, unicode,
/// control characters, empty and long keys.
pub fn edge_key() -> impl Strategy<Value = String> {
    let piece = proptest::sample::select(KEY_PIECES).prop_map(str::to_owned);
    prop_oneof![
        3 => "[ -~]{0,16}",
        3 => proptest::collection::vec(prop_oneof![piece, "[a-zA-Z0-9_/.-]{1,6}"], 0..6)
            .prop_map(|parts| parts.concat()),
        1 => "\\PC{0,10}",
        1 => "[a-zA-Z0-9_/-]{100,300}",
        1 => Just(String::new()),
    ]
}

/// Prefixes and base paths at the edges (milder than keys: what a configuration might hold).
pub fn edge_prefix() -> impl Strategy<Value = String> {
    let piece = proptest::sample::select(
        &[
            "",
            "/",
            "//",
            "airflow",
            "connections",
            "/airflow/variables",
            "a_b",
            "p--",
            "-",
            "_",
            ".",
            "..",
            "%2e",
            " ",
            "é",
            "x/",
            "team/",
            "a-b_c",
        ][..],
    )
    .prop_map(str::to_owned);
    prop_oneof![
        2 => proptest::collection::vec(piece, 0..4).prop_map(|p| p.concat()),
        1 => "[ -~]{0,10}",
    ]
}

/// Separators at the edges: Airflow's defaults, several characters (a set to `rstrip`), empty.
pub fn edge_sep() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(&["/", "-", "_", "", "--", "-_", "ab", ".", "é", " "][..])
            .prop_map(str::to_owned),
        1 => "[ -~]{0,3}",
    ]
}

/// The disagreements of one differential: each prints its input, Airflow's answer and ours.
pub struct Report {
    name: &'static str,
    seed: u64,
    cases: usize,
    failures: Vec<String>,
    /// Known classes (departures, or another change pending) and how many cases each had.
    classes: Vec<(&'static str, usize)>,
}

impl Report {
    /// An empty report for the differential `name`, replayable with `generator`'s seed.
    pub fn new(name: &'static str, generator: &Generator) -> Self {
        Report {
            name,
            seed: generator.seed(),
            cases: 0,
            failures: Vec::new(),
            classes: Vec::new(),
        }
    }

    /// One case compared: a disagreement unless `airflow == ours`.
    pub fn compare<I: Debug, T: PartialEq + Debug>(&mut self, input: &I, airflow: &T, ours: &T) {
        self.cases += 1;
        if airflow != ours {
            self.failures.push(format!(
                "input:   {input:?}\nAirflow: {airflow:?}\nours:    {ours:?}"
            ));
        }
    }

    /// One case that differs in a known, documented way (`class` names the departure).
    pub fn known(&mut self, class: &'static str) {
        self.cases += 1;
        match self.classes.iter_mut().find(|(c, _)| *c == class) {
            Some((_, n)) => *n += 1,
            None => self.classes.push((class, 1)),
        }
    }

    /// Prints the counts and fails with every disagreement (at most 30 shown).
    pub fn finish(self) {
        let known: usize = self.classes.iter().map(|(_, n)| n).sum();
        eprintln!(
            "differential {}: {} cases, {} agreed, {} known departures {:?}, {} disagreements (seed {})",
            self.name,
            self.cases,
            self.cases - known - self.failures.len(),
            known,
            self.classes,
            self.failures.len(),
            self.seed
        );
        assert!(
            self.cases > 0,
            "differential {}: no case was compared",
            self.name
        );
        assert!(
            self.failures.is_empty(),
            "differential {}: {} of {} cases disagree with Airflow (replay: AIRFLOW_SECRETS_DIFF_SEED={}):\n\n{}",
            self.name,
            self.failures.len(),
            self.cases,
            self.seed,
            self.failures
                .iter()
                .take(
                    std::env::var("AIRFLOW_SECRETS_DIFF_SHOW")
                        .ok()
                        .and_then(|n| n.parse().ok())
                        .unwrap_or(30)
                )
                .cloned()
                .collect::<Vec<_>>()
                .join("\n\n")
        );
    }
}

/// Kwargs values at the edges, as JSON text (`NaN` and `Infinity` are not JSON, but Python's
/// `json.loads`, which reads Airflow's `backend_kwargs`, accepts them).
pub const EDGE_VALUES: &[&str] = &[
    "null",
    "true",
    "false",
    "0",
    "1",
    "-1",
    "2",
    "0.5",
    "1e19",
    "-1e19",
    "18446744073709551616",
    "NaN",
    "Infinity",
    "-Infinity",
    "\"\"",
    "\"x\"",
    "\"true\"",
    "\"false\"",
    "\"1\"",
    "\"2\"",
    "\"30\"",
    "\"/nonexistent/file\"",
    "[]",
    "[\"a\"]",
    "[1, 2]",
    "{}",
    "{\"a\": 1}",
];

/// Kwarg names no backend knows.
pub const UNKNOWN_NAMES: &[&str] = &["foo", "session", "URL", " url", ""];

/// `base` with each `(name, value text)` of `changes` set (replacing the base's value), as JSON text.
pub fn kwargs_text(base: &serde_json::Value, changes: &[(String, &str)]) -> String {
    let mut fields: Vec<String> = base
        .as_object()
        .expect("base kwargs are an object")
        .iter()
        .filter(|(name, _)| !changes.iter().any(|(changed, _)| changed == *name))
        .map(|(name, value)| format!("{}: {value}", serde_json::Value::from(name.as_str())))
        .collect();
    for (name, value) in changes {
        fields.push(format!(
            "{}: {value}",
            serde_json::Value::from(name.as_str())
        ));
    }
    format!("{{{}}}", fields.join(", "))
}

/// Every kwarg of `known` and of [`UNKNOWN_NAMES`] set to every one of [`EDGE_VALUES`], one at a
/// time; then `random` more cases changing two or three kwargs at once.
pub fn kwargs_cases(
    generator: &mut Generator,
    base: &serde_json::Value,
    known: &[String],
    random: usize,
) -> Vec<String> {
    let mut names: Vec<&str> = known
        .iter()
        .map(String::as_str)
        .chain(UNKNOWN_NAMES.iter().copied())
        .collect();
    names.sort_unstable();
    names.dedup();
    let mut cases: Vec<String> = names
        .iter()
        .flat_map(|name| {
            EDGE_VALUES
                .iter()
                .map(|value| kwargs_text(base, &[((*name).to_owned(), *value)]))
        })
        .collect();
    let owned: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let change = (
        proptest::sample::select(owned),
        proptest::sample::select(EDGE_VALUES),
    );
    for changes in generator.many(proptest::collection::vec(change, 2..4), random) {
        let changes: Vec<(String, &str)> = changes;
        cases.push(kwargs_text(base, &changes));
    }
    cases
}

/// Python: `accepts(cls, text)` builds `cls(**json.loads(text))` and answers `{"accepted": bool,
/// "error": str}`; for the scripts of the kwargs differentials.
pub const PY_ACCEPTS: &str = r#"
def accepts(cls, text):
    try:
        cls(**json.loads(text))
        return {"accepted": True}
    except Exception as e:
        return {"accepted": False, "error": f"{type(e).__name__}: {e}"}
"#;

/// The kwargs our backend accepts, read from its "unknown kwarg" error (`...; accepted kwargs are: a, b`).
pub fn accepted_kwargs(unknown_kwarg_error: &str) -> Vec<String> {
    let (_, list) = unknown_kwarg_error
        .split_once("accepted kwargs are: ")
        .unwrap_or_else(|| panic!("not an unknown-kwarg error: {unknown_kwarg_error}"));
    list.split(", ")
        .map(|name| name.trim().to_owned())
        .collect()
}

/// Compares Airflow's verdicts on the kwargs `texts` (`[{"accepted": bool, "error": str}]`, from
/// [`PY_ACCEPTS`]) with ours (`build`: our constructor on the parsed kwargs; text that is not JSON
/// is refused before it). A differing verdict is a known departure when [`kwargs_departure`] (Airflow
/// accepts, we refuse) or `reverse` (Airflow refuses, we accept: given the text and Airflow's error)
/// classes it.
pub fn compare_kwargs(
    report: &mut Report,
    texts: &[String],
    airflow: &serde_json::Value,
    airflow_signature: &[&str],
    build: impl Fn(&serde_json::Map<String, serde_json::Value>) -> Result<(), String>,
    reverse: impl Fn(&str, &str) -> Option<&'static str>,
) {
    let airflow = airflow.as_array().expect("Airflow's kwargs verdicts");
    assert_eq!(texts.len(), airflow.len(), "one verdict per kwargs case");
    for (text, airflow) in texts.iter().zip(airflow) {
        let ours = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text)
            .map_err(|e| format!("JSON: {e}"))
            .and_then(|kwargs| build(&kwargs));
        let airflow_accepts = airflow["accepted"].as_bool().expect("a verdict");
        let class = match (&ours, airflow_accepts) {
            (Ok(()), true) | (Err(_), false) => None,
            (Err(ours), true) => kwargs_departure(ours, airflow_signature),
            (Ok(()), false) => reverse(text, airflow["error"].as_str().unwrap_or_default()),
        };
        match class {
            Some(class) => report.known(class),
            None if ours.is_ok() == airflow_accepts => {
                report.compare(text, &airflow_accepts, &ours.is_ok())
            }
            None => report.compare(
                text,
                &format!(
                    "accepted: {airflow_accepts} {}",
                    airflow["error"].as_str().unwrap_or_default()
                ),
                &format!(
                    "accepted: {} {}",
                    ours.is_ok(),
                    ours.as_ref().err().map(String::as_str).unwrap_or_default()
                ),
            ),
        }
    }
}

/// The deliberate departure a kwargs verdict that differs from Airflow's belongs to, when Airflow's
/// constructor accepts the kwargs and ours refuses them with `ours` (our error's text).
/// `airflow_signature` lists the kwargs Airflow's constructor itself takes; any other kwarg Airflow
/// passes on to its client (hvac, boto3, the Azure SDK) or does not have (our extensions). `None`: not
/// a known departure (a disagreement).
///
/// The classes (each a row of the departures table):
/// * NaN/Infinity: not JSON; Python's `json.loads` reads them, our kwargs parser refuses the text;
/// * unknown kwarg: refused, with the list of accepted ones (Airflow passes it on to its client,
///   which fails at the first lookup, or ignores it);
/// * a client or extension kwarg with a bad value: checked at construction (Airflow's constructor
///   does not look at it; its client fails on it at the first lookup, or it is ours);
/// * limits: a number out of range (timeouts and retries: finite, positive where it must be, at most
///   a day / 10 / 100);
/// * types: a constructor kwarg with a value of the wrong JSON type or an empty/unusable one, refused
///   at construction naming the kwarg; Airflow's constructor stores it unchecked (and fails at its
///   first use, converts it with `str()`, or never uses it).
pub fn kwargs_departure(ours: &str, airflow_signature: &[&str]) -> Option<&'static str> {
    if ours.starts_with("JSON:") {
        return Some("NaN/Infinity: not JSON, refused (Airflow's json.loads reads them)");
    }
    if ours.contains("unknown kwarg") {
        return Some("unknown kwarg: refused at construction (Airflow passes it on or ignores it)");
    }
    if [
        "must be",
        "at most",
        "finite",
        "negative",
        "at least",
        "too large",
        "out of range",
    ]
    .iter()
    .any(|word| ours.contains(word))
    {
        return Some("a number out of the limits: refused at construction (Airflow stores it)");
    }
    let named = ours
        .split_once("kwarg `")
        .and_then(|(_, rest)| rest.split_once('`'));
    match named {
        Some((kwarg, _)) if !airflow_signature.contains(&kwarg) => Some(
            "a client or extension kwarg with a bad value: refused at construction (Airflow's constructor does not look at it)",
        ),
        Some(_) => Some(
            "a value of the wrong type or an unusable one: refused at construction naming the kwarg (Airflow stores it unchecked)",
        ),
        None => None,
    }
}

/// The `reverse` class of [`compare_kwargs`] for a kwarg of ours that Airflow's constructor refuses as
/// an unexpected keyword argument (Airflow's GCP backend passes unknown kwargs to `LoggingMixin`).
pub fn extension_refused_by_airflow(airflow_error: &str) -> Option<&'static str> {
    airflow_error
        .contains("unexpected keyword argument")
        .then_some("an extension kwarg of ours: accepted (Airflow's constructor refuses every kwarg it does not know)")
}
