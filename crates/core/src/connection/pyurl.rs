//! The parts of Python's `urllib.parse` that Airflow's connection code uses, re-implemented to give the
//! same results (CPython 3.11.4+ / 3.12 behaviour, including the 2023 security fixes: leading C0/space
//! stripping, removal of `\t\r\n`, bracketed-host validation, `.port` accepting ASCII digits only).
//!
//! Python works on code points, Rust on UTF-8 bytes; every delimiter involved is ASCII, so byte offsets
//! found by searching for them are always character boundaries.
//!
//! ```
//! use airflow_secrets_core::connection::pyurl::{quote, unquote_plus, urlsplit};
//!
//! let parts = urlsplit("MySQL://User:p%40ss@DB.example.com:3306/app?x=1").unwrap();
//! assert_eq!(parts.scheme, "mysql");
//! assert_eq!(parts.hostname().as_deref(), Some("db.example.com"));
//! assert_eq!(parts.port(), Ok(Some(3306)));
//! assert_eq!(parts.password(), Some("p%40ss"));
//! assert_eq!(quote("a b/c", ""), "a%20b%2Fc");
//! assert_eq!(unquote_plus("a+b%2B"), "a b+");
//! ```

use std::borrow::Cow;
use std::fmt;

/// Why [`urlsplit`] refused a URL (Python raises `ValueError`). The messages never contain the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlSplitError {
    /// The netloc has a `[` without a `]` or the reverse (Python: `Invalid IPv6 URL`).
    UnbalancedBrackets,
    /// The bracketed host starts with `v` but is not `v<hex>.<anything>` (Python: `IPvFuture address is
    /// invalid`).
    InvalidIpvFuture,
    /// The bracketed host is an IPv4 address (Python: `An IPv4 address cannot be in brackets`).
    BracketedIpv4,
    /// The bracketed host is neither an IPv4 nor an IPv6 address.
    InvalidBracketedHost,
    /// The netloc contains a character that NFKC normalisation turns into `/`, `?`, `#`, `@` or `:`.
    NfkcDelimiter,
}

impl UrlSplitError {
    /// Python's message without the echoed input.
    pub fn message(self) -> &'static str {
        match self {
            UrlSplitError::UnbalancedBrackets => {
                "Invalid IPv6 URL: unbalanced '[' or ']' in the host part"
            }
            UrlSplitError::InvalidIpvFuture => "IPvFuture address is invalid",
            UrlSplitError::BracketedIpv4 => "An IPv4 address cannot be in brackets",
            UrlSplitError::InvalidBracketedHost => {
                "the bracketed host does not appear to be an IPv4 or IPv6 address"
            }
            UrlSplitError::NfkcDelimiter => {
                "the host part contains invalid characters under NFKC normalization"
            }
        }
    }
}

impl fmt::Display for UrlSplitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for UrlSplitError {}

/// Why [`SplitResult::port`] failed (Python raises `ValueError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortError {
    /// The port text is not made of ASCII digits (`Port could not be cast to integer value as ...`).
    NotInteger,
    /// The port is above 65535 (`Port out of range 0-65535`).
    OutOfRange,
}

/// Python's `SplitResult`: the five components of a URL, undecoded.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SplitResult {
    /// The scheme, lower-cased; `""` when the URL has none.
    pub scheme: String,
    /// The authority (`user:pass@host:port`), without the leading `//`.
    pub netloc: String,
    /// The path.
    pub path: String,
    /// The query, without `?`.
    pub query: String,
    /// The fragment, without `#`.
    pub fragment: String,
}

/// Python's `urllib.parse.urlsplit(url)` (default arguments).
///
/// ```
/// use airflow_secrets_core::connection::pyurl::urlsplit;
/// // `_` is not a scheme character, so this URL has no scheme at all.
/// let p = urlsplit("google_cloud_platform://host/x").unwrap();
/// assert_eq!((p.scheme.as_str(), p.netloc.as_str(), p.path.as_str()), ("", "", "google_cloud_platform://host/x"));
/// ```
pub fn urlsplit(url: &str) -> Result<SplitResult, UrlSplitError> {
    let url = url.trim_start_matches(|c: char| c <= ' ');
    let cleaned: String;
    let url = if url.contains(['\t', '\r', '\n']) {
        cleaned = url
            .chars()
            .filter(|c| !matches!(c, '\t' | '\r' | '\n'))
            .collect();
        cleaned.as_str()
    } else {
        url
    };

    let mut scheme = String::new();
    let mut rest = url;
    if let Some(i) = url.find(':') {
        let candidate = &url[..i];
        let valid = candidate
            .as_bytes()
            .first()
            .is_some_and(u8::is_ascii_alphabetic)
            && candidate
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
        if valid {
            scheme = candidate.to_ascii_lowercase();
            rest = &url[i + 1..];
        }
    }

    let mut netloc = "";
    if let Some(after) = rest.strip_prefix("//") {
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        netloc = &after[..end];
        rest = &after[end..];
        let open = netloc.contains('[');
        let close = netloc.contains(']');
        if open != close {
            return Err(UrlSplitError::UnbalancedBrackets);
        }
        if open {
            let (_, after_open) = netloc.split_once('[').unwrap_or_default();
            let bracketed = after_open
                .split_once(']')
                .map_or(after_open, |(host, _)| host);
            check_bracketed_host(bracketed)?;
        }
    }
    let (rest, fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    check_netloc(netloc)?;
    Ok(SplitResult {
        scheme,
        netloc: netloc.to_owned(),
        path: path.to_owned(),
        query: query.to_owned(),
        fragment: fragment.to_owned(),
    })
}

impl SplitResult {
    /// `(username, password)` as Python's `_userinfo`: split at the last `@`, then at the first `:`.
    fn userinfo(&self) -> (Option<&str>, Option<&str>) {
        match self.netloc.rsplit_once('@') {
            Some((userinfo, _)) => match userinfo.split_once(':') {
                Some((user, password)) => (Some(user), Some(password)),
                None => (Some(userinfo), None),
            },
            None => (None, None),
        }
    }

    /// `(hostname, port)` as Python's `_hostinfo`, before lower-casing and port conversion.
    fn hostinfo(&self) -> (&str, Option<&str>) {
        let hostinfo = self
            .netloc
            .rsplit_once('@')
            .map_or(self.netloc.as_str(), |(_, h)| h);
        let (hostname, port) = match hostinfo.split_once('[') {
            Some((_, bracketed)) => {
                let (hostname, after) = bracketed.split_once(']').unwrap_or((bracketed, ""));
                (hostname, after.split_once(':').map_or("", |(_, port)| port))
            }
            None => hostinfo.split_once(':').unwrap_or((hostinfo, "")),
        };
        (hostname, (!port.is_empty()).then_some(port))
    }

    /// Python's `.username`: the still-quoted user, `None` without `@`.
    pub fn username(&self) -> Option<&str> {
        self.userinfo().0
    }

    /// Python's `.password`: the still-quoted password, `None` without `@` or `:` before it.
    pub fn password(&self) -> Option<&str> {
        self.userinfo().1
    }

    /// Python's `.hostname`: brackets removed, lower-cased up to the first `%` (an IPv6 zone id keeps its
    /// case); `None` when empty.
    pub fn hostname(&self) -> Option<String> {
        let (hostname, _) = self.hostinfo();
        if hostname.is_empty() {
            return None;
        }
        Some(match hostname.split_once('%') {
            Some((host, zone)) => format!("{}%{zone}", host.to_lowercase()),
            None => hostname.to_lowercase(),
        })
    }

    /// Python's `.port`: `None` when absent or empty; an error unless ASCII digits in 0..=65535.
    pub fn port(&self) -> Result<Option<u16>, PortError> {
        let (_, port) = self.hostinfo();
        let Some(port) = port else { return Ok(None) };
        if !port.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PortError::NotInteger);
        }
        let significant = port.trim_start_matches('0');
        if significant.len() > 5 {
            return Err(PortError::OutOfRange);
        }
        let value: u32 = if significant.is_empty() {
            0
        } else {
            significant.parse().map_err(|_| PortError::NotInteger)?
        };
        u16::try_from(value)
            .map(Some)
            .map_err(|_| PortError::OutOfRange)
    }
}

/// Python's `_check_bracketed_host`.
fn check_bracketed_host(host: &str) -> Result<(), UrlSplitError> {
    if let Some(future) = host.strip_prefix('v') {
        // `\Av[a-fA-F0-9]+\..+\Z` (`.` matches anything but `\n`, which urlsplit already removed).
        let hex_len = future.bytes().take_while(u8::is_ascii_hexdigit).count();
        let valid = hex_len > 0
            && future[hex_len..]
                .strip_prefix('.')
                .is_some_and(|tail| !tail.is_empty());
        return if valid {
            Ok(())
        } else {
            Err(UrlSplitError::InvalidIpvFuture)
        };
    }
    if is_python_ipv4(host) {
        return Err(UrlSplitError::BracketedIpv4);
    }
    if is_python_ipv6(host) {
        Ok(())
    } else {
        Err(UrlSplitError::InvalidBracketedHost)
    }
}

/// `ipaddress.IPv4Address(s)` succeeds: four dot-separated decimal octets, no leading zeros.
fn is_python_ipv4(s: &str) -> bool {
    let octets: Vec<&str> = s.split('.').collect();
    octets.len() == 4
        && octets.iter().all(|o| {
            !o.is_empty()
                && o.len() <= 3
                && o.bytes().all(|b| b.is_ascii_digit())
                && (*o == "0" || !o.starts_with('0'))
                && o.parse::<u16>().is_ok_and(|v| v <= 255)
        })
}

/// `ipaddress.IPv6Address(s)` succeeds (with an optional `%scope`).
fn is_python_ipv6(s: &str) -> bool {
    if s.contains('/') {
        return false;
    }
    let addr = match s.split_once('%') {
        Some((addr, scope)) => {
            if scope.is_empty() || scope.contains('%') {
                return false;
            }
            addr
        }
        None => s,
    };
    if addr.is_empty() {
        return false;
    }
    let mut parts: Vec<&str> = addr.split(':').collect();
    if parts.len() < 3 {
        return false;
    }
    let last = parts[parts.len() - 1];
    if last.contains('.') {
        if !is_python_ipv4(last) {
            return false;
        }
        // The IPv4 tail stands for two hextets; any valid hex text will do for counting.
        parts.pop();
        parts.push("0");
        parts.push("0");
    }
    const HEXTETS: usize = 8;
    if parts.len() > HEXTETS + 1 {
        return false;
    }
    let n = parts.len();
    let mut skip_index = None;
    for (i, part) in parts.iter().enumerate().take(n - 1).skip(1) {
        if part.is_empty() {
            if skip_index.is_some() {
                return false;
            }
            skip_index = Some(i);
        }
    }
    let (hi, lo) = match skip_index {
        Some(skip) => {
            let mut hi = skip;
            let mut lo = n - skip - 1;
            if parts[0].is_empty() {
                hi -= 1;
                if hi != 0 {
                    return false;
                }
            }
            if parts[n - 1].is_empty() {
                lo -= 1;
                if lo != 0 {
                    return false;
                }
            }
            if HEXTETS < hi + lo + 1 {
                return false;
            }
            (hi, lo)
        }
        None => {
            if n != HEXTETS || parts[0].is_empty() || parts[n - 1].is_empty() {
                return false;
            }
            (n, 0)
        }
    };
    let is_hextet =
        |p: &&str| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_hexdigit());
    parts[..hi].iter().all(is_hextet) && parts[n - lo..].iter().all(is_hextet)
}

/// Characters whose NFKC normalisation contains `/`, `?`, `#`, `@` or `:` (CPython 3.11, Unicode 14;
/// computed with `unicodedata.normalize`). Python's `_checknetloc` rejects a netloc containing any.
const NFKC_DELIMITERS: [char; 19] = [
    '\u{2047}', '\u{2048}', '\u{2049}', '\u{2100}', '\u{2101}', '\u{2105}', '\u{2106}', '\u{2a74}',
    '\u{fe13}', '\u{fe16}', '\u{fe55}', '\u{fe56}', '\u{fe5f}', '\u{fe6b}', '\u{ff03}', '\u{ff0f}',
    '\u{ff1a}', '\u{ff1f}', '\u{ff20}',
];

/// Python's `_checknetloc`.
fn check_netloc(netloc: &str) -> Result<(), UrlSplitError> {
    if netloc.is_ascii() || !netloc.contains(NFKC_DELIMITERS) {
        Ok(())
    } else {
        Err(UrlSplitError::NfkcDelimiter)
    }
}

/// Whether Python's `quote` leaves this byte alone: `A-Z a-z 0-9 _ . - ~` plus the ASCII `safe` chars.
fn is_unreserved(b: u8, safe: &str) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(b, b'_' | b'.' | b'-' | b'~')
        || (b.is_ascii() && safe.as_bytes().contains(&b))
}

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Python's `urllib.parse.quote(s, safe)`: UTF-8, upper-case hex; non-ASCII `safe` chars are ignored.
pub fn quote(s: &str, safe: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if is_unreserved(b, safe) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX_UPPER[usize::from(b >> 4)]));
            out.push(char::from(HEX_UPPER[usize::from(b & 0xf)]));
        }
    }
    out
}

/// Python's `urllib.parse.quote_plus(s, safe)`: as [`quote`], with space written as `+`.
pub fn quote_plus(s: &str, safe: &str) -> String {
    if !s.contains(' ') {
        return quote(s, safe);
    }
    let mut with_space = String::with_capacity(safe.len() + 1);
    with_space.push_str(safe);
    with_space.push(' ');
    quote(s, &with_space).replace(' ', "+")
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Python's `unquote_to_bytes` on an ASCII run: `%XX` becomes a byte, anything else stays.
fn unquote_ascii_run(run: &str, out: &mut String) {
    let bytes = run.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).copied().and_then(hex_value),
                bytes.get(i + 2).copied().and_then(hex_value),
            )
        {
            decoded.push(hi << 4 | lo);
            i += 3;
            continue;
        }
        decoded.push(bytes[i]);
        i += 1;
    }
    // Python decodes with errors="replace"; both use the Unicode "maximal subpart" substitution.
    out.push_str(&String::from_utf8_lossy(&decoded));
}

/// Python's `urllib.parse.unquote(s)`: `%XX` sequences inside each run of ASCII characters are decoded
/// as UTF-8 (invalid sequences become U+FFFD); malformed escapes are kept.
pub fn unquote(s: &str) -> Cow<'_, str> {
    if !s.contains('%') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while !rest.is_empty() {
        let ascii_len = rest.bytes().take_while(u8::is_ascii).count();
        if ascii_len > 0 {
            unquote_ascii_run(&rest[..ascii_len], &mut out);
            rest = &rest[ascii_len..];
        }
        let other_len = rest.bytes().take_while(|b| !b.is_ascii()).count();
        out.push_str(&rest[..other_len]);
        rest = &rest[other_len..];
    }
    Cow::Owned(out)
}

/// Python's `urllib.parse.unquote_plus(s)`: `+` becomes a space, then [`unquote`].
pub fn unquote_plus(s: &str) -> String {
    unquote(&s.replace('+', " ")).into_owned()
}

/// Python's `urllib.parse.parse_qsl(qs, keep_blank_values)` with the default `&` separator.
///
/// ```
/// use airflow_secrets_core::connection::pyurl::parse_qsl;
/// assert_eq!(
///     parse_qsl("a=1&&b&c=x+y%21&a=2", true),
///     [("a", "1"), ("b", ""), ("c", "x y!"), ("a", "2")].map(|(k, v)| (k.to_owned(), v.to_owned()))
/// );
/// assert_eq!(parse_qsl("b&c=", false), []);
/// ```
pub fn parse_qsl(qs: &str, keep_blank_values: bool) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if qs.is_empty() {
        return out;
    }
    for field in qs.split('&') {
        if field.is_empty() {
            continue;
        }
        let (name, value) = match field.split_once('=') {
            Some(pair) => pair,
            None if keep_blank_values => (field, ""),
            None => continue,
        };
        if !value.is_empty() || keep_blank_values {
            out.push((unquote_plus(name), unquote_plus(value)));
        }
    }
    out
}

/// Python's `urllib.parse.urlencode(pairs)` for string keys and values: `quote_plus` both, join with `&`.
///
/// ```
/// use airflow_secrets_core::connection::pyurl::urlencode;
/// assert_eq!(urlencode([("a b", "c/d"), ("é", "")]), "a+b=c%2Fd&%C3%A9=");
/// ```
pub fn urlencode<'a, I, K, V>(pairs: I) -> String
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str> + 'a,
    V: AsRef<str> + 'a,
{
    let mut out = String::new();
    for (i, (k, v)) in pairs.into_iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&quote_plus(k.as_ref(), ""));
        out.push('=');
        out.push_str(&quote_plus(v.as_ref(), ""));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_validation_matches_python_ipaddress() {
        // Expectations from CPython 3.11 `ipaddress.IPv6Address`.
        for ok in [
            "::",
            "::1",
            "1::",
            "1:2:3:4:5:6:7:8",
            "1::8",
            "::ffff:1.2.3.4",
            "fe80::1%eth0",
            "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8",
            "1:2:3:4:5:6:1.2.3.4",
            "ABCD::ef",
            "::1%25x",
        ] {
            assert!(is_python_ipv6(ok), "{ok}");
        }
        for bad in [
            "",
            ":",
            "1:2",
            ":::",
            "1:::2",
            "1::2::3",
            "1:2:3:4:5:6:7:8:9",
            ":1:2:3:4:5:6:7",
            "1:2:3:4:5:6:7:",
            "12345::",
            "g::",
            "::1%",
            "::1%a%b",
            "1:2:3:4:5:6:7:1.2.3.4",
            "::01.2.3.4",
            "::1.2.3",
            "1.2.3.4",
            ":1::2",
            "1::2:",
            "1:2:3:4:5:6:7:8::",
        ] {
            assert!(!is_python_ipv6(bad), "{bad}");
        }
    }

    #[test]
    fn ipv4_validation_matches_python_ipaddress() {
        for ok in ["0.0.0.0", "1.2.3.4", "255.255.255.255"] {
            assert!(is_python_ipv4(ok), "{ok}");
        }
        for bad in [
            "01.2.3.4",
            "256.1.1.1",
            "1.2.3",
            "1.2.3.4.5",
            "1..3.4",
            "+1.2.3.4",
            "1.2.3.\u{665}",
        ] {
            assert!(!is_python_ipv4(bad), "{bad}");
        }
    }
}
