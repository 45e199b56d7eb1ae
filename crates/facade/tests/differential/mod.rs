//! Shared by the differential suites: generating cases from proptest strategies with this run's seed,
//! and collecting disagreements into one failure message.

use airflow_secrets_testkit::airflow_reference::{scale, seed};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// `default × AIRFLOW_SECRETS_DIFF_SCALE` values of `strategy`, from this run's seed (salted per
/// strategy, so that suites do not draw the same sequence).
pub fn generate<S: Strategy>(strategy: S, default: usize, salt: u64) -> (Vec<S::Value>, u64) {
    let seed = seed();
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes[8..16].copy_from_slice(&salt.to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    let values = (0..default * scale())
        .map(|_| {
            strategy
                .new_tree(&mut runner)
                .expect("the strategy generates")
                .current()
        })
        .collect();
    (values, seed)
}

/// Disagreements of one suite: each with its input, Airflow's answer and ours.
#[derive(Default)]
pub struct Disagreements {
    lines: Vec<String>,
    count: usize,
    /// Declared departures and known open gaps, by kind: counted and printed, not failures.
    known: std::collections::BTreeMap<&'static str, usize>,
}

impl Disagreements {
    /// Records one disagreement (the first 50 are printed in full).
    pub fn add(
        &mut self,
        input: impl std::fmt::Debug,
        airflow: impl std::fmt::Debug,
        ours: impl std::fmt::Debug,
    ) {
        self.count += 1;
        if self.lines.len() < 50 {
            self.lines.push(format!(
                "  input:   {input:?}\n  airflow: {airflow:?}\n  ours:    {ours:?}\n"
            ));
        }
    }

    /// Counts a difference that is a declared departure or a known open gap (`kind` says which).
    #[allow(dead_code)] // not every suite has one
    pub fn known(&mut self, kind: &'static str) {
        *self.known.entry(kind).or_default() += 1;
    }

    /// Fails the test listing the disagreements, naming the suite, the case count and the seed.
    pub fn assert_none(&self, suite: &str, cases: usize, seed: u64) {
        eprintln!(
            "{suite}: {cases} cases, {} disagreements (seed {seed})",
            self.count
        );
        for (kind, n) in &self.known {
            eprintln!("{suite}: {n} × {kind}");
        }
        assert!(
            self.count == 0,
            "{suite}: {} of {cases} cases disagree with Airflow (replay with AIRFLOW_SECRETS_DIFF_SEED={seed}):\n{}",
            self.count,
            self.lines.join("\n")
        );
    }
}
