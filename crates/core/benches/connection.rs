//! Connection URI and JSON parse/write, per operation, for a small and a large connection.

use std::hint::black_box;

use airflow_secrets_core::{Connection, ConnectionFlavor};
use criterion::{Criterion, criterion_group, criterion_main};

const SMALL_URI: &str = "postgres://user:p%40ss@db.example.com:5432/mydb";

fn large_uri() -> String {
    let extras: Vec<String> = (0..40)
        .map(|i| format!("param_{i}=value+number+{i}%2Fwith%3Aescapes"))
        .collect();
    format!(
        "google-cloud-platform://svc%40project.iam:{}@k8s%3A%2F%2F10.0.0.1:8443/some%2Fschema?{}",
        "x".repeat(64),
        extras.join("&")
    )
}

fn bench(c: &mut Criterion) {
    let large = large_uri();
    let small_conn = Connection::from_uri("c", SMALL_URI).unwrap();
    let large_conn = Connection::from_uri("c", &large).unwrap();
    let small_json = small_conn.as_json();
    let large_json = large_conn.as_json();

    let mut g = c.benchmark_group("connection");
    g.bench_function("uri_parse/small", |b| {
        b.iter(|| Connection::from_uri("c", black_box(SMALL_URI)).unwrap())
    });
    g.bench_function("uri_parse/large", |b| {
        b.iter(|| Connection::from_uri("c", black_box(&large)).unwrap())
    });
    g.bench_function("uri_write/small", |b| {
        b.iter(|| black_box(&small_conn).get_uri())
    });
    g.bench_function("uri_write/large", |b| {
        b.iter(|| black_box(&large_conn).get_uri())
    });
    g.bench_function("json_parse/small", |b| {
        b.iter(|| Connection::from_json("c", black_box(&small_json)).unwrap())
    });
    g.bench_function("json_parse/large", |b| {
        b.iter(|| Connection::from_json("c", black_box(&large_json)).unwrap())
    });
    g.bench_function("json_write/small", |b| {
        b.iter(|| black_box(&small_conn).as_json())
    });
    g.bench_function("json_write/large", |b| {
        b.iter(|| black_box(&large_conn).as_json())
    });
    g.bench_function("deserialize_orm/large", |b| {
        b.iter(|| Connection::deserialize("c", black_box(&large), ConnectionFlavor::Orm).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
