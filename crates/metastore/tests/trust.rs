//! Issue "Trust" (items 5, 7, 9, 10): stalled databases hit a deadline, numbers in the URL cannot
//! panic, and no error or `Debug` repeats the URL's secret parts. Fake servers on 127.0.0.1 only.

use std::time::{Duration, Instant};

use airflow_secrets_core::{Error, SecretsBackend};
use airflow_secrets_metastore::{MetastoreBackend, MetastoreConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const PLANTED: &str = "PlantedS3cret";
const KEY: &str = "Y2hhbmdlLW1lLXRvLWEtcmVhbC1rZXktMzItYnl0ZXM=";

/// A server that accepts connections and never sends a byte (the sockets stay open).
async fn silent_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    port
}

/// A PostgreSQL server that completes the startup (no SSL, no password) and then never answers a
/// query: the connection succeeds, the lookup's query stalls.
async fn pg_stalls_after_startup() -> u16 {
    async fn serve(mut s: TcpStream) -> std::io::Result<()> {
        let mut len = [0u8; 4];
        s.read_exact(&mut len).await?;
        let mut rest = vec![0u8; u32::from_be_bytes(len) as usize - 4];
        s.read_exact(&mut rest).await?;
        if rest[..4] == 80_877_103u32.to_be_bytes() {
            // SSLRequest: "no SSL", then the real startup message.
            s.write_all(b"N").await?;
            s.read_exact(&mut len).await?;
            let mut rest = vec![0u8; u32::from_be_bytes(len) as usize - 4];
            s.read_exact(&mut rest).await?;
        }
        // AuthenticationOk, ReadyForQuery(idle).
        s.write_all(&[b'R', 0, 0, 0, 8, 0, 0, 0, 0, b'Z', 0, 0, 0, 5, b'I'])
            .await?;
        let mut sink = [0u8; 1024];
        while s.read(&mut sink).await? > 0 {}
        Ok(())
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(serve(socket));
        }
    });
    port
}

fn backend(url: &str, connect: Duration, query: Duration) -> MetastoreBackend {
    let settings = MetastoreConfig::from_strings(url, KEY)
        .unwrap()
        .with_connect_timeout(connect)
        .with_query_timeout(query);
    MetastoreBackend::new(settings).unwrap()
}

/// Runs a variable lookup with a generous outer bound (a hang fails the test instead of blocking it).
async fn lookup(b: &MetastoreBackend) -> (Result<Option<String>, Error>, Duration) {
    let started = Instant::now();
    let result = tokio::time::timeout(Duration::from_secs(20), b.get_variable("var"))
        .await
        .expect("the lookup hung: no deadline applied");
    (
        result.map(|v| v.map(|v| v.expose().to_owned())),
        started.elapsed(),
    )
}

#[tokio::test]
async fn trust_09_silent_server_is_unavailable_within_the_deadline() {
    let port = silent_server().await;
    for scheme in ["postgresql+psycopg2", "mysql+mysqldb"] {
        let url = format!("{scheme}://airflow:{PLANTED}@127.0.0.1:{port}/airflow");
        let b = backend(&url, Duration::from_secs(1), Duration::from_secs(1));
        let (result, took) = lookup(&b).await;
        let err = result.unwrap_err();
        assert!(
            matches!(err, Error::Unavailable { .. }),
            "{scheme}: {err:?}"
        );
        assert!(took < Duration::from_secs(10), "{scheme}: took {took:?}");
        assert!(!format!("{err} {err:?}").contains(PLANTED), "{err:?}");
    }
}

#[tokio::test]
async fn trust_09_query_that_never_answers_hits_the_query_timeout() {
    let port = pg_stalls_after_startup().await;
    let url = format!("postgresql://airflow:{PLANTED}@127.0.0.1:{port}/airflow?sslmode=disable");
    let b = backend(&url, Duration::from_secs(1), Duration::from_secs(1));
    let (result, took) = lookup(&b).await;
    let err = result.unwrap_err();
    let Error::Unavailable {
        elapsed, problem, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert!(*elapsed >= Duration::from_secs(1), "{err}");
    assert!(problem.contains("1s"), "the deadline is named: {err}");
    assert!(!format!("{err} {err:?}").contains(PLANTED), "{err:?}");
    // The same backend still works the same way (the stalled connection was not kept).
    let (again, _) = lookup(&b).await;
    assert!(matches!(again, Err(Error::Unavailable { .. })), "{again:?}");
}

#[tokio::test]
async fn trust_10_numbers_in_the_url_are_checked_not_panicked() {
    let cases = [
        ("sqlite:////x.db?timeout=inf", "`timeout`"),
        ("sqlite:////x.db?timeout=NaN", "`timeout`"),
        ("sqlite:////x.db?timeout=1e30", "`timeout`"),
        ("sqlite:////x.db?timeout=-1", "`timeout`"),
        (
            "postgresql://u:p@127.0.0.1/db?connect_timeout=18446744073709551615",
            "`connect_timeout`",
        ),
        (
            "postgresql://u:p@127.0.0.1/db?connect_timeout=99999999",
            "`connect_timeout`",
        ),
    ];
    for (url, names) in cases {
        let settings = MetastoreConfig::from_strings(url, "").unwrap();
        let outcome = std::panic::catch_unwind(|| MetastoreBackend::new(settings));
        let err = outcome
            .unwrap_or_else(|_| panic!("{url}: panicked"))
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidSetting { .. }) && err.to_string().contains(names),
            "{url}: {err}"
        );
    }
    // Durations given in code are capped too (an `Instant + Duration` overflow would panic).
    let s = MetastoreConfig::from_strings("sqlite:////x.db", "")
        .unwrap()
        .with_connect_timeout(Duration::MAX)
        .with_query_timeout(Duration::MAX);
    assert!(s.connect_timeout() <= Duration::from_secs(86_400));
    assert!(s.query_timeout() <= Duration::from_secs(86_400));
}

#[tokio::test]
async fn trust_05_translation_errors_never_repeat_url_values() {
    let cases = [
        (
            format!("postgresql://u:{PLANTED}@127.0.0.1/db?sslmode={PLANTED}"),
            "sslmode",
        ),
        (
            format!("postgresql://u:pw@127.0.0.1/db?connect_timeout={PLANTED}"),
            "connect_timeout",
        ),
        (
            format!("mysql://u:{PLANTED}@127.0.0.1/db?ssl_mode={PLANTED}"),
            "ssl_mode",
        ),
        (format!("sqlite:////x.db?timeout={PLANTED}"), "timeout"),
        (
            format!("postgresql://{PLANTED}:pw@127.0.0.1/{PLANTED}?sslmode=bogus"),
            "sslmode",
        ),
    ];
    for (url, names) in cases {
        let settings = MetastoreConfig::from_strings(&url, "").unwrap();
        let err = MetastoreBackend::new(settings).unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(text.contains(names), "{url}: {text}");
        assert!(!text.contains(PLANTED), "{url}: {text}");
    }
}

#[tokio::test]
async fn trust_07_debug_never_shows_credentials() {
    let port = silent_server().await;
    let url = format!(
        "postgresql://airflow:{PLANTED}@127.0.0.1:{port}/airflow?password={PLANTED}&options={PLANTED}"
    );
    let b = backend(&url, Duration::from_millis(300), Duration::from_millis(300));
    let show = |b: &MetastoreBackend| format!("{b:?} {b:#?} {:?}", b.config());
    for text in [show(&b), {
        let _ = lookup(&b).await;
        show(&b)
    }] {
        assert!(!text.contains(PLANTED) && !text.contains(KEY), "{text}");
    }
}

// ---------------------------------------------------------------------------------------------------
// Second review: a PostgreSQL server that answers a query with endless rows or a huge value, passwords
// with an unencoded `@`, IPv6 hosts, and the connect-timeout bound.
// ---------------------------------------------------------------------------------------------------

/// What the fake PostgreSQL server of [`fake_pg`] answers to the lookup's query.
#[derive(Clone, Copy)]
enum PgAnswer {
    /// One row `(key, val)` with this value, then CommandComplete.
    Row(&'static str),
    /// `(key, val)` rows with a 1-byte value, forever (no CommandComplete).
    EndlessRows,
    /// `(key, val, team_name)` rows that all belong to a team, forever.
    EndlessTeamRows,
    /// One row whose value has this many bytes.
    HugeValue(usize),
    /// NoticeResponse messages for 12 s in place of the answer to the query.
    NoticeFlood,
    /// NoticeResponse messages for 12 s in place of the answer to the startup message.
    NoticeFloodAtStartup,
}

/// A PostgreSQL server (plain threads and blocking sockets, so that it runs whatever the client's
/// runtime does) that completes the startup without SSL or password and answers the extended-protocol
/// query with `answer`. Listens on `bind` (`127.0.0.1:0`, `[::1]:0`); returns the port.
fn fake_pg(bind: &str, answer: PgAnswer) -> u16 {
    use std::io::{Read, Write};
    fn msg(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut m = vec![tag];
        m.extend_from_slice(&(body.len() as u32 + 4).to_be_bytes());
        m.extend_from_slice(body);
        m
    }
    fn data_row(values: &[&[u8]]) -> Vec<u8> {
        let mut body = (values.len() as u16).to_be_bytes().to_vec();
        for v in values {
            body.extend_from_slice(&(v.len() as i32).to_be_bytes());
            body.extend_from_slice(v);
        }
        msg(b'D', &body)
    }
    /// A NOTICE (what a server sends for e.g. `DROP TABLE IF EXISTS`), as fast as the client reads, for
    /// 12 s (far past the test's deadlines; then the server goes quiet so that a held client thread
    /// does not keep a core busy for the other tests), or until the client hangs up.
    fn flood_notices(s: &mut std::net::TcpStream) -> std::io::Result<()> {
        let notice = msg(
            b'N',
            b"SNOTICE\0VNOTICE\0C00000\0Mthe server is busy, please wait\0\0",
        );
        let burst = notice.repeat(256);
        let started = std::time::Instant::now();
        while started.elapsed() < Duration::from_secs(12) {
            s.write_all(&burst)?;
        }
        Ok(())
    }
    fn serve(mut s: std::net::TcpStream, answer: PgAnswer) -> std::io::Result<()> {
        let read_startup = |s: &mut std::net::TcpStream| -> std::io::Result<Vec<u8>> {
            let mut len = [0u8; 4];
            s.read_exact(&mut len)?;
            let mut rest = vec![0u8; u32::from_be_bytes(len) as usize - 4];
            s.read_exact(&mut rest)?;
            Ok(rest)
        };
        if read_startup(&mut s)?[..4] == 80_877_103u32.to_be_bytes() {
            s.write_all(b"N")?;
            read_startup(&mut s)?;
        }
        if matches!(answer, PgAnswer::NoticeFloodAtStartup) {
            flood_notices(&mut s)?;
        }
        s.write_all(&[b'R', 0, 0, 0, 8, 0, 0, 0, 0, b'Z', 0, 0, 0, 5, b'I'])?;
        let columns: &[&str] = match answer {
            PgAnswer::EndlessTeamRows => &["key", "val", "team_name"],
            _ => &["key", "val"],
        };
        let mut pending = Vec::new();
        loop {
            let mut tag = [0u8; 1];
            s.read_exact(&mut tag)?;
            let mut len = [0u8; 4];
            s.read_exact(&mut len)?;
            let mut body = vec![0u8; u32::from_be_bytes(len) as usize - 4];
            s.read_exact(&mut body)?;
            match tag[0] {
                b'X' => return Ok(()),
                b'S' if matches!(answer, PgAnswer::NoticeFlood) => {
                    flood_notices(&mut s)?;
                    continue;
                }
                b'S' => {}
                other => {
                    pending.push(other);
                    continue;
                }
            }
            let mut out = Vec::new();
            for m in pending.drain(..) {
                match m {
                    b'P' => out.extend(msg(b'1', b"")),
                    b'D' => {
                        // ParameterDescription (one text parameter), RowDescription (text columns).
                        out.extend(msg(b't', &[0, 1, 0, 0, 0, 25]));
                        let mut rd = (columns.len() as u16).to_be_bytes().to_vec();
                        for name in columns {
                            rd.extend_from_slice(name.as_bytes());
                            rd.push(0);
                            rd.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 25, 255, 255]);
                            rd.extend_from_slice(&[255, 255, 255, 255, 0, 0]);
                        }
                        out.extend(msg(b'T', &rd));
                    }
                    b'B' => out.extend(msg(b'2', b"")),
                    b'E' => match answer {
                        PgAnswer::Row(v) => {
                            out.extend(data_row(&[b"var", v.as_bytes()]));
                            out.extend(msg(b'C', b"SELECT 1\0"));
                        }
                        PgAnswer::HugeValue(n) => {
                            out.extend(data_row(&[b"var", &vec![b'A'; n]]));
                            out.extend(msg(b'C', b"SELECT 1\0"));
                        }
                        PgAnswer::NoticeFlood | PgAnswer::NoticeFloodAtStartup => {
                            unreachable!("flooded before")
                        }
                        PgAnswer::EndlessRows | PgAnswer::EndlessTeamRows => {
                            s.write_all(&out)?;
                            let row = if columns.len() == 3 {
                                data_row(&[b"var", PLANTED.as_bytes(), b"team_a"])
                            } else {
                                data_row(&[b"var", b"B"])
                            };
                            let burst = row.repeat(64);
                            // Until the client hangs up (the write then fails).
                            loop {
                                s.write_all(&burst)?;
                            }
                        }
                    },
                    _ => {}
                }
            }
            out.extend(msg(b'Z', b"I"));
            s.write_all(&out)?;
        }
    }
    let listener = std::net::TcpListener::bind(bind).unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for socket in listener.incoming().flatten() {
            std::thread::spawn(move || serve(socket, answer));
        }
    });
    port
}

/// A variable lookup on its own thread and current-thread runtime (as the CLI runs it), awaited from
/// the test thread with a generous bound: a lookup that never yields to its runtime cannot stall the
/// test, it fails it.
fn lookup_on_own_thread(
    url: &str,
    connect: Duration,
    query: Duration,
) -> Result<Option<String>, Error> {
    let url = url.to_owned();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let result = rt.block_on(async {
            let b = backend(&url, connect, query);
            b.get_variable("var")
                .await
                .map(|v| v.map(|v| v.expose().to_owned()))
        });
        let _ = tx.send(result);
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("the lookup did not end within 30 s: the query deadline was not applied")
}

/// Review 2, finding 1: a server that answers the query with rows forever (teamless 1-byte rows, or
/// rows of a team, which a lookup skips) used to keep the lookup reading and collecting rows past the
/// query timeout, memory growing without bound. Now the read stops after the row cap.
#[test]
fn trust_pg_endless_rows_are_unavailable_not_unbounded() {
    for answer in [PgAnswer::EndlessRows, PgAnswer::EndlessTeamRows] {
        let port = fake_pg("127.0.0.1:0", answer);
        let url =
            format!("postgresql://airflow:{PLANTED}@127.0.0.1:{port}/airflow?sslmode=disable");
        let result = lookup_on_own_thread(&url, Duration::from_secs(2), Duration::from_secs(2));
        let err = result.unwrap_err();
        let Error::Unavailable { problem, .. } = &err else {
            panic!("{err:?}")
        };
        assert!(problem.contains("LIMIT"), "{err}");
        assert!(!format!("{err} {err:?}").contains(PLANTED), "{err:?}");
    }
}

/// Review 3: a server (or a MITM under the default `sslmode=prefer`) that completes the startup and
/// then answers the query with NoticeResponse messages (here for 12 s) used to keep the lookup running far
/// past the query deadline (sqlx's receive loop skips notices without returning to the runtime while
/// the socket has data, so the runtime's timer never ran), blocking a current-thread runtime. Now the
/// lookup is `Unavailable` at about the query deadline, and the connection is not reused.
#[test]
fn trust_pg_notice_flood_ends_at_the_query_deadline() {
    let port = fake_pg("127.0.0.1:0", PgAnswer::NoticeFlood);
    let url = format!("postgresql://airflow:{PLANTED}@127.0.0.1:{port}/airflow?sslmode=disable");
    let started = Instant::now();
    let result = lookup_on_own_thread(&url, Duration::from_secs(2), Duration::from_secs(2));
    let took = started.elapsed();
    let err = result.unwrap_err();
    let Error::Unavailable {
        elapsed, problem, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    // The query deadline (2 s) and the lookup's grace, not the 12 s of the flood.
    assert!(took < Duration::from_secs(8), "took {took:?}: {err}");
    assert!(*elapsed >= Duration::from_secs(2), "{err}");
    assert!(problem.contains("2s"), "the deadline is named: {err}");
    assert!(!format!("{err} {err:?}").contains(PLANTED), "{err:?}");
    // The same flood in place of the startup reply holds the connection attempt instead: the lookup is
    // `Unavailable` at the connect timeout (2 s).
    let port = fake_pg("127.0.0.1:0", PgAnswer::NoticeFloodAtStartup);
    let url = format!("postgresql://airflow:{PLANTED}@127.0.0.1:{port}/airflow?sslmode=disable");
    let started = Instant::now();
    let result = lookup_on_own_thread(&url, Duration::from_secs(2), Duration::from_secs(2));
    let took = started.elapsed();
    let err = result.unwrap_err();
    let Error::Unavailable { problem, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(took < Duration::from_secs(8), "took {took:?}: {err}");
    assert!(problem.contains("no connection within 2s"), "{err}");
    assert!(!format!("{err} {err:?}").contains(PLANTED), "{err:?}");
}

/// Review 2, finding 1: a value larger than the 4 MiB cap is refused without being repeated.
#[test]
fn trust_pg_value_over_the_cap_is_malformed() {
    let port = fake_pg("127.0.0.1:0", PgAnswer::HugeValue(5 << 20));
    let url = format!("postgresql://airflow:pw@127.0.0.1:{port}/airflow?sslmode=disable");
    let err = match lookup_on_own_thread(&url, Duration::from_secs(2), Duration::from_secs(5)) {
        Err(e) => e,
        Ok(v) => panic!("a value of {:?} bytes was returned", v.map(|v| v.len())),
    };
    assert!(matches!(err, Error::MalformedSecret { .. }), "{err:?}");
    let text = format!("{err} {err:?}");
    assert!(!text.contains("AAAA") && text.len() < 2000, "{text:.300}");
    // A value under the cap is read.
    let port = fake_pg("127.0.0.1:0", PgAnswer::Row("hello"));
    let url = format!("postgresql://airflow:pw@127.0.0.1:{port}/airflow?sslmode=disable");
    let value = lookup_on_own_thread(&url, Duration::from_secs(2), Duration::from_secs(5));
    assert_eq!(value.unwrap().as_deref(), Some("hello"));
}

/// Review 2, finding 4: SQLAlchemy ends the password at the first `@`, so an unencoded `@` in it puts
/// the password's tail into the host. Such a URL is a configuration error that repeats no part of the
/// password, and nothing is resolved or connected.
#[test]
fn trust_unencoded_at_in_password_is_refused_before_any_connection() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let urls = [
        format!("postgresql://airflow:P@ssw0rdS3cret@127.0.0.1:{port}/airflow"),
        "postgresql+psycopg2://airflow:P@ssw0rdS3cret@127.0.0.1/airflow".to_owned(),
        format!("mysql://airflow:P@ssw0rdS3cret@127.0.0.1:{port}/airflow"),
        format!("mysql+pymysql://airflow:P@ssw0rd@S3cret@127.0.0.1:{port}/airflow"),
        "mariadb://airflow:P@ssw0rdS3cret@localhost/airflow?charset=utf8".to_owned(),
        "postgresql://airflow:P@ssw0rdS3cret@[::1]:1/airflow".to_owned(),
        "postgresql://airflow:P@ssw0rdS3cret@/airflow".to_owned(),
    ];
    for url in &urls {
        let err = MetastoreConfig::from_strings(url, "")
            .and_then(MetastoreBackend::new)
            .map(|_| ())
            .unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(matches!(err, Error::InvalidSetting { .. }), "{url}: {text}");
        assert!(text.contains("%40"), "{url}: the fix is named: {text}");
        for part in ["ssw0rd", "S3cret", "P@"] {
            assert!(!text.contains(part), "{url}: {text}");
        }
    }
    assert!(listener.accept().is_err(), "a connection was attempted");
    // An encoded `@` is fine and the user name may hold one (Azure's `user@server`).
    for ok in [
        "postgresql://airflow:P%40ssw0rdS3cret@127.0.0.1/airflow",
        "postgresql://airflow@server:pw@127.0.0.1/airflow",
    ] {
        let s = MetastoreConfig::from_strings(ok, "").unwrap();
        let shown = format!("{} {:?}", s.database(), s);
        assert!(
            !shown.contains("ssw0rd") && !shown.contains(":pw"),
            "{shown}"
        );
    }
}

/// Review 2, finding 7: an IPv6 host (`[::1]`, an IPv4-mapped `[::ffff:127.0.0.1]`) reaches the server;
/// the brackets used to be passed to the resolver.
#[test]
fn trust_pg_ipv6_hosts_are_reached() {
    let mut cases = Vec::new();
    if std::net::TcpListener::bind("[::1]:0").is_ok() {
        let port = fake_pg("[::1]:0", PgAnswer::Row("v6"));
        cases.push(format!(
            "postgresql://u:pw@[::1]:{port}/airflow?sslmode=disable"
        ));
    }
    let port = fake_pg("127.0.0.1:0", PgAnswer::Row("v6"));
    cases.push(format!(
        "postgresql://u:pw@[::ffff:127.0.0.1]:{port}/airflow?sslmode=disable"
    ));
    for url in cases {
        let value = lookup_on_own_thread(&url, Duration::from_secs(2), Duration::from_secs(5));
        assert_eq!(value.unwrap().as_deref(), Some("v6"), "{url}");
    }
}

/// A MySQL server (plain threads, blocking sockets) that accepts any login without TLS, answers every
/// text query with OK, and answers the lookup's prepared statement with `answer` (as [`fake_pg`]).
fn fake_mysql(answer: PgAnswer) -> u16 {
    use std::io::{Read, Write};
    const PROTOCOL_41: u32 = 0x200;
    const SECURE_CONNECTION: u32 = 0x8000;
    const PLUGIN_AUTH: u32 = 0x80000;
    const CONNECT_WITH_DB: u32 = 0x8;
    const TRANSACTIONS: u32 = 0x2000;
    const DEPRECATE_EOF: u32 = 0x0100_0000;
    fn lenenc_str(out: &mut Vec<u8>, s: &[u8]) {
        match s.len() {
            n if n < 251 => out.push(n as u8),
            n if n < 1 << 16 => {
                out.push(0xfc);
                out.extend_from_slice(&(n as u16).to_le_bytes());
            }
            n if n < 1 << 24 => {
                out.push(0xfd);
                out.extend_from_slice(&(n as u32).to_le_bytes()[..3]);
            }
            n => {
                out.push(0xfe);
                out.extend_from_slice(&(n as u64).to_le_bytes());
            }
        }
        out.extend_from_slice(s);
    }
    struct Conn {
        s: std::net::TcpStream,
        seq: u8,
    }
    impl Conn {
        fn send(&mut self, payload: &[u8]) -> std::io::Result<()> {
            // Payloads over 16 MiB - 1 are split as the protocol requires.
            let mut chunks = payload.chunks(0xff_ffff).peekable();
            let mut last_full = payload.is_empty();
            while let Some(chunk) = chunks.next() {
                let mut p = (chunk.len() as u32).to_le_bytes()[..3].to_vec();
                p.push(self.seq);
                self.seq = self.seq.wrapping_add(1);
                p.extend_from_slice(chunk);
                self.s.write_all(&p)?;
                last_full = chunk.len() == 0xff_ffff && chunks.peek().is_none();
            }
            if last_full {
                self.s.write_all(&[0, 0, 0, self.seq])?;
                self.seq = self.seq.wrapping_add(1);
            }
            Ok(())
        }
        fn recv(&mut self) -> std::io::Result<Vec<u8>> {
            let mut h = [0u8; 4];
            self.s.read_exact(&mut h)?;
            let len = u32::from_le_bytes([h[0], h[1], h[2], 0]) as usize;
            self.seq = h[3].wrapping_add(1);
            let mut p = vec![0u8; len];
            self.s.read_exact(&mut p)?;
            Ok(p)
        }
        fn ok(&mut self, header: u8) -> std::io::Result<()> {
            self.send(&[header, 0, 0, 2, 0, 0, 0])
        }
    }
    fn column(name: &str) -> Vec<u8> {
        let mut c = Vec::new();
        for part in ["def", "airflow", "variable", "variable", name, name] {
            lenenc_str(&mut c, part.as_bytes());
        }
        c.push(0x0c);
        c.extend_from_slice(&255u16.to_le_bytes()); // utf8mb4
        c.extend_from_slice(&(1u32 << 30).to_le_bytes());
        c.push(0xfc); // BLOB (TEXT with a text charset)
        c.extend_from_slice(&[0, 0, 0, 0, 0]);
        c
    }
    fn serve(s: std::net::TcpStream, answer: PgAnswer) -> std::io::Result<()> {
        let mut c = Conn { s, seq: 0 };
        let caps = PROTOCOL_41
            | SECURE_CONNECTION
            | PLUGIN_AUTH
            | CONNECT_WITH_DB
            | TRANSACTIONS
            | DEPRECATE_EOF;
        let mut hs = vec![10];
        hs.extend_from_slice(b"8.0.36\0");
        hs.extend_from_slice(&1u32.to_le_bytes());
        hs.extend_from_slice(b"abcdefgh\0");
        hs.extend_from_slice(&(caps as u16).to_le_bytes());
        hs.push(255);
        hs.extend_from_slice(&2u16.to_le_bytes());
        hs.extend_from_slice(&((caps >> 16) as u16).to_le_bytes());
        hs.push(21);
        hs.extend_from_slice(&[0; 10]);
        hs.extend_from_slice(b"ijklmnopqrst\0");
        hs.extend_from_slice(b"mysql_native_password\0");
        c.send(&hs)?;
        c.recv()?; // HandshakeResponse41
        c.ok(0)?;
        let columns: &[&str] = match answer {
            PgAnswer::EndlessTeamRows => &["key", "val", "team_name"],
            _ => &["key", "val"],
        };
        loop {
            let p = c.recv()?;
            c.seq = 1;
            match p.first() {
                Some(0x01) | None => return Ok(()),
                // COM_STMT_PREPARE: one parameter, the columns.
                Some(0x16) => {
                    let mut r = vec![0];
                    r.extend_from_slice(&1u32.to_le_bytes());
                    r.extend_from_slice(&(columns.len() as u16).to_le_bytes());
                    r.extend_from_slice(&1u16.to_le_bytes());
                    r.extend_from_slice(&[0, 0, 0]);
                    c.send(&r)?;
                    c.send(&column("?"))?;
                    for name in columns {
                        c.send(&column(name))?;
                    }
                }
                // COM_STMT_CLOSE, COM_STMT_RESET: no answer.
                Some(0x19) => {}
                // COM_STMT_EXECUTE: a binary result set.
                Some(0x17) => {
                    c.send(&[columns.len() as u8])?;
                    for name in columns {
                        c.send(&column(name))?;
                    }
                    let bitmap = (columns.len() + 7 + 2) / 8;
                    let row = |values: &[&[u8]]| {
                        let mut r = vec![0u8; 1 + bitmap];
                        for v in values {
                            lenenc_str(&mut r, v);
                        }
                        r
                    };
                    match answer {
                        PgAnswer::Row(v) => c.send(&row(&[b"var", v.as_bytes()]))?,
                        PgAnswer::HugeValue(n) => c.send(&row(&[b"var", &vec![b'A'; n]]))?,
                        PgAnswer::EndlessRows => loop {
                            c.send(&row(&[b"var", b"B"]))?;
                        },
                        PgAnswer::EndlessTeamRows => loop {
                            c.send(&row(&[b"var", PLANTED.as_bytes(), b"team_a"]))?;
                        },
                        PgAnswer::NoticeFlood | PgAnswer::NoticeFloodAtStartup => {
                            unreachable!("a PostgreSQL answer")
                        }
                    }
                    c.ok(0xfe)?;
                }
                // COM_QUERY (session settings), COM_PING, anything else: OK.
                _ => c.ok(0)?,
            }
        }
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for socket in listener.incoming().flatten() {
            std::thread::spawn(move || serve(socket, answer));
        }
    });
    port
}

/// Review 2, finding 1, for MySQL: the same bounds (endless rows, a value over the cap) apply.
#[test]
fn trust_mysql_endless_rows_and_huge_values_are_bounded() {
    let url =
        |port: u16| format!("mysql://airflow:{PLANTED}@127.0.0.1:{port}/airflow?ssl_mode=DISABLED");
    let port = fake_mysql(PgAnswer::Row("hello"));
    let value = lookup_on_own_thread(&url(port), Duration::from_secs(2), Duration::from_secs(5));
    assert_eq!(
        value.unwrap().as_deref(),
        Some("hello"),
        "the fake server works"
    );
    for answer in [PgAnswer::EndlessRows, PgAnswer::EndlessTeamRows] {
        let port = fake_mysql(answer);
        let err = lookup_on_own_thread(&url(port), Duration::from_secs(2), Duration::from_secs(2))
            .unwrap_err();
        let Error::Unavailable { problem, .. } = &err else {
            panic!("{err:?}")
        };
        assert!(problem.contains("LIMIT"), "{err}");
        assert!(!format!("{err} {err:?}").contains(PLANTED), "{err:?}");
    }
    let port = fake_mysql(PgAnswer::HugeValue(5 << 20));
    let err = match lookup_on_own_thread(&url(port), Duration::from_secs(2), Duration::from_secs(5))
    {
        Err(e) => e,
        Ok(v) => panic!("a value of {:?} bytes was returned", v.map(|v| v.len())),
    };
    assert!(matches!(err, Error::MalformedSecret { .. }), "{err:?}");
}
