//! Odd file contents never panic `LocalFilesystemBackend`: every lookup answers `Ok` or a typed `Err`.
//! A few hundred inputs: hand-picked nasties, mutations of the committed fixtures, and random bytes,
//! each written as `.env`, `.json` and `.yaml` and read as variables, configs and connections.

mod common;

use std::path::Path;

use airflow_secrets_core::{ConnectionFlavor, Error, LocalFilesystemBackend, SecretsBackend};
use common::Rng;

fn hand_picked() -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = [
        "",
        " ",
        "\n",
        "\r",
        "\r\n",
        "=",
        "==",
        "#",
        "\u{feff}",
        "\u{feff}{}",
        "\0",
        "\u{1}",
        "\u{7f}",
        "\u{85}",
        "\u{2028}",
        "null",
        "[]",
        "{}",
        "[{}]",
        "\"",
        "{\"",
        "{\"a\"",
        "{\"a\":",
        "{\"a\":1,",
        "[1,]",
        "-",
        "-0",
        "1e999999",
        "-1e-999999",
        "NaN",
        "Infinity",
        "-Infinity",
        "1.",
        ".5",
        "0x10",
        "\"\\ud800\"",
        "\"\\udc00\\ud800\"",
        "\"\\u00",
        "{\"a\": \"\\q\"}",
        "---",
        "...",
        "--- !!binary aGk=",
        "a: &a [*a]",
        "a: *nope",
        "<<: 5",
        "a: !!int",
        "a: !!float",
        "a: !!bool",
        "a: !!timestamp",
        "? ? ? a",
        "a: |",
        "a: >-",
        "a: |+\n\n\n",
        "a:\n\t- b",
        "%YAML 1.1\n---\na: 1",
        "%TAG ! !x\n--- !a b",
        "a: 0b",
        "a: 0x",
        "a: 0o",
        "a: 1:2:3:4:5:6:7:8:9",
        "a: -:0",
        "a: 0:",
        "a: .",
        "a: ._",
        "a: 1_",
        "a: _1",
        "a: +",
        "a: ~~",
        "conn: {uri: 5}",
        "conn: {port: 1e400}",
        "conn: {extra: .nan}",
        "conn: [[[]]]",
        "conn: {conn_id: [1]}",
        "conn: {? [a] : b}",
        "{\"c\": {\"extra_dejson\": NaN}}",
        "{\"c\": {\"port\": 99999999999999999999999}}",
        "{\"c\": \"://\"}",
        "{\"c\": \"a://b://c://d\"}",
        "{\"c\": \"x://[::1\"}",
        "c=%",
        "c=http://h:99999",
        "c=http://[",
        "c=?__extra__=%ZZ",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    v.push(vec![0xff, 0xfe, 0xfd]);
    v.push(b"A=\xc3".to_vec());
    v.push("[".repeat(5000).into_bytes());
    v.push("{\"a\":".repeat(3000).into_bytes());
    v.push(format!("a: {}", "[".repeat(3000)).into_bytes());
    v.push(format!("a: {}", "- ".repeat(2000)).into_bytes());
    v.push("x".repeat(100_000).into_bytes());
    v.push(format!("{{\"k\": \"{}\"}}", "\\u0041".repeat(10_000)).into_bytes());
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        bomb.push_str(&format!(
            "a{i}: &a{i} [{}]\n",
            vec![format!("*a{}", i - 1); 8].join(", ")
        ));
    }
    v.push(bomb.into_bytes());
    v
}

fn fixtures() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/local_filesystem");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        out.push(std::fs::read(entry.unwrap().path()).unwrap());
    }
    out.sort();
    out
}

fn mutate(rng: &mut Rng, base: &[u8]) -> Vec<u8> {
    const INTERESTING: &[u8] = b"{}[],:\"'\\ \t\n\r#=&*!|>-?~%@`0123456789.eE+_xaN\xff\xc3\x00\x01";
    let mut v = base.to_vec();
    for _ in 0..1 + rng.below(6) {
        let i = if v.is_empty() {
            0
        } else {
            rng.below(v.len() + 1)
        };
        match rng.below(4) {
            0 if !v.is_empty() => {
                v.remove(i.min(v.len() - 1));
            }
            1 => v.insert(i, INTERESTING[rng.below(INTERESTING.len())]),
            2 if !v.is_empty() => {
                let j = i.min(v.len() - 1);
                v[j] = INTERESTING[rng.below(INTERESTING.len())];
            }
            _ => {
                // Duplicate a slice (repeats keys, nests structures).
                let a = rng.below(v.len() + 1);
                let b = (a + rng.below(40)).min(v.len());
                let chunk = v[a..b].to_vec();
                let at = rng.below(v.len() + 1);
                v.splice(at..at, chunk);
            }
        }
    }
    v
}

fn inputs() -> Vec<Vec<u8>> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut all = hand_picked();
    let fixtures = fixtures();
    for _ in 0..200 {
        let base = &fixtures[rng.below(fixtures.len())];
        all.push(mutate(&mut rng, base));
    }
    for _ in 0..60 {
        let len = rng.below(64);
        all.push((0..len).map(|_| rng.next() as u8).collect());
    }
    all
}

#[tokio::test]
async fn odd_contents_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = inputs();
    assert!(inputs.len() >= 300, "{}", inputs.len());
    let (mut ok, mut err) = (0usize, 0usize);
    for (n, content) in inputs.iter().enumerate() {
        for ext in ["env", "json", "yaml"] {
            let path = dir.path().join(format!("f{n}.{ext}"));
            std::fs::write(&path, content).unwrap();
            let b = LocalFilesystemBackend::new()
                .with_variables_file_path(&path)
                .with_configs_file_path(&path)
                .with_connections_file_path(&path);
            for key in ["a", "c", "conn", "KEY", "greeting"] {
                let results: [Result<(), Error>; 5] = [
                    b.get_variable(key).await.map(drop),
                    b.get_config(key).await.map(drop),
                    b.get_conn_value(key).await.map(drop),
                    b.get_connection(key).await.map(drop),
                    b.get_connection_as(key, ConnectionFlavor::Orm)
                        .await
                        .map(|c| {
                            // Whatever was built can be written back.
                            if let Some(c) = c {
                                let _ = (
                                    c.get_uri(),
                                    c.as_json(),
                                    c.extra_dejson(),
                                    format!("{c:?} {c}"),
                                );
                            }
                        }),
                ];
                for r in results {
                    match r {
                        Ok(()) => ok += 1,
                        Err(e) => {
                            // Every error renders, and is one of the file errors.
                            let _ = (e.to_string(), format!("{e:?}"));
                            assert!(e.is_lookup_error(), "{e:?}");
                            err += 1;
                        }
                    }
                }
            }
        }
    }
    assert!(ok > 0 && err > 0, "ok {ok}, err {err}");
}
