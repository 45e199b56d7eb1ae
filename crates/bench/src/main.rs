//! Lookup benchmark against live servers: the facade versus the physical floor.
//!
//! For each store given (OpenBao/Vault, moto/SSM, moto/Secrets Manager) it runs N lookups of one
//! variable sequentially and at concurrency C, twice: through `airflow_secrets::Secrets` (cache off, so
//! every lookup is a request), and as the floor — a bare keep-alive HTTP GET of the same KV path
//! (Vault), or a bare `GetParameter` (SSM) or `GetSecretValue` (Secrets Manager) SDK call from Rust. It prints p50/p90/p99 latency, throughput and the facade/floor
//! ratio, as a table or as JSON (`--json`). It exits non-zero only on errors, never on slowness.
//!
//! `scripts/bench-lookups.sh` starts OpenBao and moto on 127.0.0.1, seeds them and runs this in release
//! mode; see docs/performance.md.

use std::sync::Arc;
use std::time::{Duration, Instant};

use airflow_secrets::Secrets;
use clap::Parser;
use serde_json::{Value, json};
use tokio::sync::Semaphore;

/// Command-line options. No `Debug`: it would print the token.
#[derive(Parser)]
struct Args {
    /// Vault/OpenBao address (e.g. http://127.0.0.1:8200); the variable is read from
    /// secret/variables/KEY (KV v2) with token auth.
    #[arg(long)]
    vault_url: Option<String>,
    /// Vault token. Prefer the BENCH_VAULT_TOKEN variable: a token on the command line is visible to
    /// every user (ps, /proc) and kept in shell history.
    #[arg(
        long,
        env = "BENCH_VAULT_TOKEN",
        hide_env_values = true,
        default_value = "bench-root-token"
    )]
    vault_token: String,
    /// SSM endpoint (e.g. moto at http://127.0.0.1:5000); the variable is /airflow/variables/KEY.
    #[arg(long)]
    ssm_endpoint: Option<String>,
    /// Secrets Manager endpoint (e.g. the same moto); the variable is the secret airflow/variables/KEY.
    #[arg(long)]
    secrets_manager_endpoint: Option<String>,
    /// The variable key to read.
    #[arg(long, default_value = "bench_var")]
    key: String,
    /// Lookups per measurement.
    #[arg(short, long, default_value_t = 2000)]
    n: usize,
    /// Concurrency of the concurrent measurements.
    #[arg(short, long, default_value_t = 16)]
    concurrency: usize,
    /// Unmeasured lookups before each measurement.
    #[arg(long, default_value_t = 200)]
    warmup: usize,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// One lookup, as a boxed future returning an error message on failure.
type LookupFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send>>;
/// A repeatable lookup.
type Op = Arc<dyn Fn() -> LookupFuture + Send + Sync>;

/// Runs `op` `n` times with at most `concurrency` in flight; returns each latency and the wall time.
async fn measure(
    op: &Op,
    n: usize,
    concurrency: usize,
) -> Result<(Vec<Duration>, Duration), String> {
    let permits = Arc::new(Semaphore::new(concurrency));
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for _ in 0..n {
        let permit = permits
            .clone()
            .acquire_owned()
            .await
            .expect("semaphore open");
        let op = op.clone();
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let r = op().await;
            drop(permit);
            r.map(|()| t.elapsed())
        }));
    }
    let mut latencies = Vec::with_capacity(n);
    for t in tasks {
        latencies.push(t.await.map_err(|e| e.to_string())??);
    }
    Ok((latencies, start.elapsed()))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// One measurement's summary.
fn summary(mut latencies: Vec<Duration>, wall: Duration) -> Value {
    latencies.sort();
    let us = |d: Duration| (d.as_secs_f64() * 1e6 * 10.0).round() / 10.0;
    json!({
        "p50_us": us(percentile(&latencies, 0.50)),
        "p90_us": us(percentile(&latencies, 0.90)),
        "p99_us": us(percentile(&latencies, 0.99)),
        "throughput_per_s": (latencies.len() as f64 / wall.as_secs_f64()).round(),
    })
}

/// Floor and facade are measured in alternating rounds (floor batch, facade batch, ...) so that drift in the
/// server (garbage collection, caches warming) weighs on both alike.
async fn run_store(name: &str, facade: Op, floor: Op, args: &Args) -> Result<Value, String> {
    const ROUNDS: usize = 10;
    let mut modes = serde_json::Map::new();
    for (mode, concurrency) in [("sequential", 1), ("concurrent", args.concurrency)] {
        measure(&floor, args.warmup, concurrency).await?;
        measure(&facade, args.warmup, concurrency).await?;
        let mut samples = [(Vec::new(), Duration::ZERO), (Vec::new(), Duration::ZERO)];
        for _ in 0..ROUNDS {
            for (i, op) in [&floor, &facade].into_iter().enumerate() {
                let (lat, wall) = measure(op, args.n.div_ceil(ROUNDS), concurrency).await?;
                samples[i].0.extend(lat);
                samples[i].1 += wall;
            }
        }
        let [(floor_lat, floor_wall), (facade_lat, facade_wall)] = samples;
        let mut row = serde_json::Map::new();
        row.insert("floor".into(), summary(floor_lat, floor_wall));
        row.insert("facade".into(), summary(facade_lat, facade_wall));
        let ratio =
            row["facade"]["p50_us"].as_f64().unwrap() / row["floor"]["p50_us"].as_f64().unwrap();
        row.insert("p50_ratio".into(), json!((ratio * 1000.0).round() / 1000.0));
        row.insert("concurrency".into(), json!(concurrency));
        modes.insert(mode.into(), Value::Object(row));
    }
    Ok(json!({ "store": name, "n": args.n, "results": modes }))
}

/// The facade's side: `Secrets` over the backend `class_path` (cache off) reading `key` as a variable.
async fn facade(
    class_path: &str,
    kwargs: Value,
    store: &'static str,
    key: &str,
) -> Result<Op, String> {
    let Value::Object(kwargs) = kwargs else {
        return Err("the kwargs must be a JSON object".into());
    };
    let secrets = Arc::new(
        Secrets::builder()
            .backend(class_path, kwargs)
            .no_cache()
            .build()
            .await
            .map_err(|e| e.to_string())?,
    );
    let key = key.to_owned();
    Ok(Arc::new(move || {
        let (s, k) = (secrets.clone(), key.clone());
        Box::pin(async move {
            match s.variable(&k).await {
                Ok(Some(_)) => Ok(()),
                Ok(None) => Err(format!("variable {k} not found in {store}")),
                Err(e) => Err(e.to_string()),
            }
        })
    }))
}

async fn vault(url: &str, args: &Args) -> Result<Value, String> {
    let kwargs = json!({
        "url": url, "auth_type": "token", "token": args.vault_token,
        "variables_path": "variables", "connections_path": null, "config_path": null,
    });
    let facade = facade(
        "airflow.providers.hashicorp.secrets.vault.VaultBackend",
        kwargs,
        "Vault",
        &args.key,
    )
    .await?;
    let client = reqwest::Client::builder()
        .build()
        .map_err(|e| e.to_string())?;
    let read_url = format!(
        "{}/v1/secret/data/variables/{}",
        url.trim_end_matches('/'),
        args.key
    );
    let token = args.vault_token.clone();
    let floor: Op = Arc::new(move || {
        let (c, u, t) = (client.clone(), read_url.clone(), token.clone());
        Box::pin(async move {
            let resp = c
                .get(&u)
                .header("X-Vault-Token", t)
                .header("X-Vault-Request", "true")
                .send()
                .await
                .map_err(|e| e.to_string())?;
            if !resp.status().is_success() {
                return Err(format!("bare GET {u}: {}", resp.status()));
            }
            resp.bytes().await.map(|_| ()).map_err(|e| e.to_string())
        })
    });
    run_store("vault (OpenBao)", facade, floor, args).await
}

/// The kwargs of both AWS backends for moto at `endpoint`: static keys, variables only.
fn aws_kwargs(endpoint: &str) -> Value {
    json!({
        "endpoint_url": endpoint, "region_name": "us-east-1",
        "aws_access_key_id": "testing", "aws_secret_access_key": "testing",
        "connections_prefix": null, "config_prefix": null,
    })
}

/// The SDK configuration of the floor clients: the same endpoint, region and keys as [`aws_kwargs`].
async fn aws_sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(aws_credential_types::Credentials::new(
            "testing", "testing", None, None, "bench",
        ))
        .load()
        .await
}

async fn ssm(endpoint: &str, args: &Args) -> Result<Value, String> {
    let kwargs = aws_kwargs(endpoint);
    let facade = facade(
        "airflow.providers.amazon.aws.secrets.systems_manager.SystemsManagerParameterStoreBackend",
        kwargs,
        "SSM",
        &args.key,
    )
    .await?;
    let config = aws_sdk_config(endpoint).await;
    let client = aws_sdk_ssm::Client::new(&config);
    let name = format!("/airflow/variables/{}", args.key);
    let floor: Op = Arc::new(move || {
        let (c, n) = (client.clone(), name.clone());
        Box::pin(async move {
            c.get_parameter()
                .name(n)
                .with_decryption(true)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| aws_sdk_ssm::error::DisplayErrorContext(e).to_string())
        })
    });
    run_store("aws-ssm (moto)", facade, floor, args).await
}

async fn secrets_manager(endpoint: &str, args: &Args) -> Result<Value, String> {
    let kwargs = aws_kwargs(endpoint);
    let facade = facade(
        "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend",
        kwargs,
        "Secrets Manager",
        &args.key,
    )
    .await?;
    let config = aws_sdk_config(endpoint).await;
    let client = aws_sdk_secretsmanager::Client::new(&config);
    let name = format!("airflow/variables/{}", args.key);
    let floor: Op = Arc::new(move || {
        let (c, n) = (client.clone(), name.clone());
        Box::pin(async move {
            c.get_secret_value()
                .secret_id(n)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| aws_sdk_secretsmanager::error::DisplayErrorContext(e).to_string())
        })
    });
    run_store("aws-secrets-manager (moto)", facade, floor, args).await
}

fn print_table(reports: &[Value]) {
    println!(
        "{:<20} {:<14} {:<7} {:>9} {:>9} {:>9} {:>10} {:>7}",
        "store", "mode", "path", "p50 µs", "p90 µs", "p99 µs", "lookups/s", "ratio"
    );
    let num = |v: &Value| v.as_f64().expect("a number");
    for r in reports {
        let store = r["store"]
            .as_str()
            .expect("a store name")
            .split(' ')
            .next()
            .unwrap_or_default();
        for mode in ["sequential", "concurrent"] {
            let row = &r["results"][mode];
            let mode = if mode == "concurrent" {
                format!("concurrent/{}", row["concurrency"])
            } else {
                mode.to_owned()
            };
            for path in ["floor", "facade"] {
                let m = &row[path];
                let ratio = if path == "facade" {
                    format!("{:.3}", num(&row["p50_ratio"]))
                } else {
                    String::new()
                };
                println!(
                    "{store:<20} {mode:<14} {path:<7} {:>9.1} {:>9.1} {:>9.1} {:>10.0} {ratio:>7}",
                    num(&m["p50_us"]),
                    num(&m["p90_us"]),
                    num(&m["p99_us"]),
                    num(&m["throughput_per_s"]),
                );
            }
        }
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    if args.vault_url.is_none()
        && args.ssm_endpoint.is_none()
        && args.secrets_manager_endpoint.is_none()
    {
        eprintln!(
            "error: give --vault-url, --ssm-endpoint and/or --secrets-manager-endpoint \
             (scripts/bench-lookups.sh starts the servers)"
        );
        return std::process::ExitCode::from(2);
    }
    let mut reports = Vec::new();
    if let Some(url) = &args.vault_url {
        match vault(url, &args).await {
            Ok(r) => reports.push(r),
            Err(e) => {
                eprintln!("error: vault benchmark failed: {e}");
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    if let Some(endpoint) = &args.ssm_endpoint {
        match ssm(endpoint, &args).await {
            Ok(r) => reports.push(r),
            Err(e) => {
                eprintln!("error: ssm benchmark failed: {e}");
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    if let Some(endpoint) = &args.secrets_manager_endpoint {
        match secrets_manager(endpoint, &args).await {
            Ok(r) => reports.push(r),
            Err(e) => {
                eprintln!("error: secrets manager benchmark failed: {e}");
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&reports).expect("JSON"));
    } else {
        print_table(&reports);
    }
    std::process::ExitCode::SUCCESS
}
