//! Issue "Trust" items 6, 8 and 11 at the configuration level: `Debug` shows no value, `_CMD`
//! commands are bounded, `$VAR` expansion and `%(name)s` interpolation are capped.

use std::time::Duration;

use super::tests::config;
use super::*;

/// `A1` = 1 KiB, `A{n+1}` = `$A{n}$A{n}`: `$A13` expands to 8 MiB (a bounded version of
/// `A='$A$A'`, which doubles 32 times).
fn doubling_chain() -> Vec<(String, String)> {
    let mut vars = vec![("A1".to_owned(), "x".repeat(1024))];
    for n in 2..=13 {
        vars.push((format!("A{n}"), format!("$A{}$A{}", n - 1, n - 1)));
    }
    vars
}

#[tokio::test]
async fn trust_11_env_expansion_blow_up_is_a_clear_error() {
    let mut vars = doubling_chain();
    vars.push(("AIRFLOW__SECRETS__BACKEND".into(), "$A13".into()));
    vars.push(("HOME".into(), "/nonexistent-home".into()));
    let c = AirflowConfig::from_vars(vars).unwrap();
    let err = c
        .option("secrets", "backend")
        .await
        .expect_err("an 8 MiB expansion must be refused")
        .to_string();
    assert!(
        err.contains("[secrets] backend")
            && err.contains("environment variable AIRFLOW__SECRETS__BACKEND")
            && err.contains("1048576 bytes"),
        "{err}"
    );
    assert!(err.len() < 1000, "the error must not carry the value");
}

#[tokio::test]
async fn trust_11_self_doubling_variable_stops_at_the_cap() {
    // Airflow's own blow-up: `A='$A$A'` doubles on each of the 32 rounds (8 GiB, then abort).
    let c = config(&[("A", "$A$A"), ("AIRFLOW__SECRETS__BACKEND", "$A")], None);
    let err = c
        .option("secrets", "backend")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("[secrets] backend") && err.contains("1048576"),
        "{err}"
    );
    // The size cap is per value: a value under the cap still expands.
    let c = config(&[("A", "ab"), ("AIRFLOW__SECRETS__BACKEND", "$A$A")], None);
    assert_eq!(
        c.get_str("secrets", "backend").await.unwrap().unwrap().0,
        "abab"
    );
}

#[tokio::test]
async fn trust_11_cfg_file_interpolation_blow_up_is_a_clear_error() {
    // Each level refers to the one below 16 times: 16^5 = 1 Mi copies of a 2-byte value.
    let mut cfg = "[secrets]\nk0 = ab\n".to_owned();
    for n in 1..=5 {
        cfg.push_str(&format!(
            "k{n} = {}\n",
            format!("%(k{})s", n - 1).repeat(16)
        ));
    }
    cfg.push_str("backend = %(k5)s\n");
    let c = config(&[], Some(&cfg));
    let err = c
        .option("secrets", "backend")
        .await
        .expect_err("a 2 MiB interpolation must be refused")
        .to_string();
    assert!(
        err.contains("[secrets] backend")
            && err.contains("/etc/airflow.cfg")
            && err.contains("1048576 bytes"),
        "{err}"
    );
    assert!(err.len() < 1000, "the error must not carry the value");
}

#[tokio::test]
async fn trust_11_cfg_file_fan_out_of_empty_values_takes_no_time() {
    // 32 references per level, 9 levels, an empty value at the bottom: 32^9 expansions without
    // memoisation, although the result is empty.
    let mut cfg = "[secrets]\nk0 =\n".to_owned();
    for n in 1..=9 {
        cfg.push_str(&format!(
            "k{n} = {}\n",
            format!("%(k{})s", n - 1).repeat(32)
        ));
    }
    cfg.push_str("backend = x%(k9)sy\n");
    let c = config(&[], Some(&cfg));
    assert_eq!(
        c.get_str("secrets", "backend").await.unwrap().unwrap().0,
        "xy"
    );
}

#[tokio::test]
async fn trust_08_cmd_option_is_bounded_by_the_config_limits() {
    let c = config(
        &[("AIRFLOW__SECRETS__BACKEND_KWARGS_CMD", "sleep 987")],
        None,
    )
    .with_command_limits(CommandLimits {
        timeout: Duration::from_millis(300),
        ..CommandLimits::default()
    });
    let err = tokio::time::timeout(
        Duration::from_secs(10),
        c.option("secrets", "backend_kwargs"),
    )
    .await
    .expect("the _CMD must end at its deadline")
    .unwrap_err()
    .to_string();
    assert!(err.contains("did not finish within 0.3 s"), "{err}");
}

#[tokio::test]
async fn trust_06_config_debug_shows_no_value() {
    const PLANTED: &str = "Pl4nted-Env-S3cret";
    let cfg =
        format!("[core]\nfernet_key = {PLANTED}\n[secrets]\nbackend_kwargs_cmd = echo {PLANTED}\n");
    let c = config(
        &[
            ("AIRFLOW__CORE__FERNET_KEY", PLANTED),
            ("AIRFLOW_CONN_X", &format!("postgres://u:{PLANTED}@h/db")),
            ("VAULT_TOKEN", PLANTED),
        ],
        Some(&cfg),
    );
    for shown in [format!("{c:?}"), format!("{c:#?}")] {
        assert!(!shown.contains(PLANTED), "{shown}");
        assert!(shown.contains("AirflowConfig"), "{shown}");
    }
    let file = c.cfg_file().unwrap();
    assert!(!format!("{file:?}").contains(PLANTED), "{file:?}");
    // The output of a `_CMD` is the secret itself.
    let raw = c
        .option("secrets", "backend_kwargs")
        .await
        .unwrap()
        .unwrap();
    for shown in [format!("{raw:?}"), format!("{raw:#?}")] {
        assert!(!shown.contains(PLANTED), "{shown}");
        assert!(
            shown.contains("AIRFLOW") || shown.contains("backend_kwargs_cmd"),
            "{shown}"
        );
    }
}
