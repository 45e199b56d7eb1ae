//! Python `re` syntax → `fancy-regex` syntax.
//!
//! Airflow compiles `*_lookup_pattern` with Python's `re`; `fancy-regex` (look-around, back-references,
//! atomic groups) runs it. Where the two spell or mean a construct differently the pattern is rewritten
//! here, so that it matches the keys Python matches:
//!
//! * `$` (without `(?m)`) also matches before a final `\n` in Python → `(?:$|(?=\n\z))`;
//! * `\Z` is the absolute end in Python (`\z` in Rust); `\s` also matches `\x1c`–`\x1f`; `\w` is
//!   `str.isalnum()` or `_` (letters and numbers, no combining marks);
//! * `(?P=name)` → `\k<name>`; `(?#...)` comments are dropped; `x{,n}` → `x{0,n}`; a `{` that does not
//!   start a repetition is a literal;
//! * in a character class, `[`, `&&`, `--`, `~~` are literals and `\b` is a backspace;
//! * octal escapes, `\xhh`, `\uhhhh`, `\Uhhhhhhhh` and every literal punctuation character are written
//!   as `\x{...}`, which means the same character in both.
//!
//! Constructs Python refuses (a bad escape, a bad range, global flags not at the start...) are refused
//! too; the few it accepts that have no equivalent here (`(?x)` verbose mode, `(?a)`/`(?L)` flags,
//! `\N{name}`) are refused with a message saying so.

use std::fmt::Write as _;

/// Rewrites `pattern` (Python `re` syntax) into `fancy-regex` syntax, or says why it cannot.
pub(super) fn translate(pattern: &str) -> Result<String, String> {
    Translator {
        chars: pattern.chars().collect(),
        pos: 0,
        out: String::with_capacity(pattern.len() * 2),
    }
    .run()
}

struct Translator {
    chars: Vec<char>,
    pos: usize,
    out: String,
}

/// Python's `\s` (`str.isspace()`): Unicode `White_Space` plus the four ASCII separators.
const SPACE_ITEMS: &str = r"\s\x{1c}-\x{1f}";
/// Python's `\w` (`str.isalnum()` or `_`).
const WORD_ITEMS: &str = r"\p{L}\p{N}_";

impl Translator {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn starts_with(&self, s: &str) -> bool {
        s.chars()
            .enumerate()
            .all(|(i, c)| self.peek_at(i) == Some(c))
    }

    fn err<T>(&self, what: impl std::fmt::Display) -> Result<T, String> {
        Err(format!("{what} at position {}", self.pos))
    }

    fn run(mut self) -> Result<String, String> {
        let mut at_start = true;
        while let Some(c) = self.peek() {
            // Python 3.11+: global flags `(?aiLmsux)` only at the very start.
            let flags_group = self.starts_with("(?") && self.global_flags_len().is_some();
            if flags_group && !at_start {
                return self.err("global flags not at the start of the expression");
            }
            at_start = flags_group && at_start;
            match c {
                '\\' => self.escape()?,
                '[' => self.class()?,
                '(' => self.group()?,
                '$' => {
                    self.pos += 1;
                    self.out.push_str(r"(?:$|(?=\n\z))");
                }
                '{' => self.brace(),
                '}' => {
                    self.pos += 1;
                    self.out.push_str(r"\}");
                }
                _ => {
                    self.pos += 1;
                    self.out.push(c);
                }
            }
        }
        Ok(self.out)
    }

    /// The length of a global-flags group `(?flags)` at the cursor, if there is one.
    fn global_flags_len(&self) -> Option<usize> {
        let mut i = 2;
        while let Some(c) = self.peek_at(i) {
            match c {
                ')' if i > 2 => return Some(i + 1),
                'a' | 'i' | 'L' | 'm' | 's' | 'u' | 'x' => i += 1,
                _ => return None,
            }
        }
        None
    }

    fn group(&mut self) -> Result<(), String> {
        if self.peek_at(1) != Some('?') {
            self.pos += 1;
            self.out.push('(');
            return Ok(());
        }
        if let Some(len) = self.global_flags_len() {
            let flags: String = self.chars[self.pos + 2..self.pos + len - 1]
                .iter()
                .collect();
            self.check_flags(&flags)?;
            let kept: String = flags.chars().filter(|&f| f != 'u').collect();
            self.pos += len;
            if !kept.is_empty() {
                let _ = write!(self.out, "(?{kept})");
            }
            return Ok(());
        }
        if self.starts_with("(?#") {
            // A comment: up to the first `)`.
            match self.chars[self.pos..].iter().position(|&c| c == ')') {
                Some(end) => self.pos += end + 1,
                None => return self.err("missing ), unterminated comment"),
            }
            return Ok(());
        }
        if self.starts_with("(?P=") {
            let start = self.pos + 4;
            match self.chars[start..].iter().position(|&c| c == ')') {
                Some(len) => {
                    let name: String = self.chars[start..start + len].iter().collect();
                    if !is_group_name(&name) {
                        return self.err(format!("bad character in group name {name:?}"));
                    }
                    let _ = write!(self.out, r"\k<{name}>");
                    self.pos = start + len + 1;
                    Ok(())
                }
                None => self.err("missing ), unterminated name"),
            }
        } else if self.starts_with("(?P<") {
            let start = self.pos + 4;
            match self.chars[start..].iter().position(|&c| c == '>') {
                Some(len) => {
                    let name: String = self.chars[start..start + len].iter().collect();
                    if !is_group_name(&name) {
                        return self.err(format!("bad character in group name {name:?}"));
                    }
                    let _ = write!(self.out, "(?P<{name}>");
                    self.pos = start + len + 1;
                    Ok(())
                }
                None => self.err("missing >, unterminated name"),
            }
        } else if ["(?:", "(?=", "(?!", "(?<=", "(?<!", "(?>", "(?("]
            .iter()
            .any(|p| self.starts_with(p))
        {
            let len = if self.starts_with("(?<") { 4 } else { 3 };
            self.out.extend(&self.chars[self.pos..self.pos + len]);
            self.pos += len;
            Ok(())
        } else {
            // Scoped flags `(?i:...)`, `(?-i:...)`, `(?i-s:...)`.
            let mut i = 2;
            let mut flags = String::new();
            while let Some(c) = self.peek_at(i) {
                if c == ':' {
                    break;
                }
                if !(c.is_ascii_alphabetic() || c == '-') {
                    return self.err(format!("unknown extension ?{c}"));
                }
                flags.push(c);
                i += 1;
            }
            if self.peek_at(i) != Some(':') || flags.is_empty() {
                return self.err("unknown extension or missing :");
            }
            for part in flags.split('-') {
                self.check_flags(part)?;
            }
            let kept: String = flags.chars().filter(|&f| f != 'u').collect();
            self.pos += i + 1;
            if kept.is_empty() || kept == "-" {
                self.out.push_str("(?:");
            } else {
                let _ = write!(self.out, "(?{kept}:");
            }
            Ok(())
        }
    }

    fn check_flags(&self, flags: &str) -> Result<(), String> {
        for f in flags.chars() {
            match f {
                'i' | 'm' | 's' | 'u' => {}
                'x' => return self.err("the verbose flag (?x) is not supported: write the pattern without it"),
                'a' => return self.err("the ASCII flag (?a) is not supported: use explicit classes such as [A-Za-z0-9_]"),
                'L' => return self.err("bad inline flag: cannot use 'L' flag with a str pattern"),
                other => return self.err(format!("unknown flag {other:?}")),
            }
        }
        Ok(())
    }

    /// `{` starts a repetition only when followed by `m}`, `m,}`, `,n}` or `m,n}` (digits); otherwise
    /// it is a literal, as in Python.
    fn brace(&mut self) {
        let rest: String = self.chars[self.pos + 1..].iter().take(64).collect();
        if let Some(end) = rest.find('}') {
            let body = &rest[..end];
            let (min, max) = match body.split_once(',') {
                Some((a, b)) => (a, Some(b)),
                None => (body, None),
            };
            let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
            let valid = digits(min)
                && max.is_none_or(digits)
                && !(min.is_empty() && max.is_none())
                && (!min.is_empty() || max.is_some());
            if valid {
                let min = if min.is_empty() { "0" } else { min };
                match max {
                    Some(max) => {
                        let _ = write!(self.out, "{{{min},{max}}}");
                    }
                    None => {
                        let _ = write!(self.out, "{{{min}}}");
                    }
                }
                self.pos += 1 + end + 1;
                return;
            }
        }
        self.pos += 1;
        self.out.push_str(r"\{");
    }

    /// An escape outside a class.
    fn escape(&mut self) -> Result<(), String> {
        let Some(c) = self.peek_at(1) else {
            return self.err("bad escape (end of pattern)");
        };
        match c {
            'A' | 'b' | 'B' => {
                self.pos += 2;
                let _ = write!(self.out, "\\{c}");
            }
            'Z' => {
                self.pos += 2;
                self.out.push_str(r"\z");
            }
            'd' | 'D' => {
                self.pos += 2;
                let _ = write!(self.out, "\\{c}");
            }
            's' => {
                self.pos += 2;
                let _ = write!(self.out, "[{SPACE_ITEMS}]");
            }
            'S' => {
                self.pos += 2;
                let _ = write!(self.out, "[^{SPACE_ITEMS}]");
            }
            'w' => {
                self.pos += 2;
                let _ = write!(self.out, "[{WORD_ITEMS}]");
            }
            'W' => {
                self.pos += 2;
                let _ = write!(self.out, "[^{WORD_ITEMS}]");
            }
            '0'..='9' => {
                // Octal (`\0`, `\0oo`, three octal digits) or a group reference (`\1`..`\99`).
                let d = |i: usize| self.peek_at(i).filter(char::is_ascii_digit);
                let octal = |i: usize| self.peek_at(i).filter(|c| ('0'..='7').contains(c));
                if c == '0' {
                    let mut n = 0u32;
                    let mut len = 1;
                    while len < 3 {
                        let Some(o) = octal(1 + len) else { break };
                        n = n * 8 + o.to_digit(8).unwrap_or(0);
                        len += 1;
                    }
                    self.pos += 1 + len;
                    return self.literal(char::from_u32(n).unwrap_or('\0'));
                }
                if let (Some(_), Some(_), Some(_)) = (octal(1), octal(2), octal(3)) {
                    let n: u32 = (1..=3)
                        .filter_map(|i| self.peek_at(i)?.to_digit(8))
                        .fold(0, |a, b| a * 8 + b);
                    if n > 0o377 {
                        return self.err(format!(
                            "octal escape value \\{n:o} outside of range 0-0o377"
                        ));
                    }
                    self.pos += 4;
                    return self.literal(char::from_u32(n).unwrap_or('\0'));
                }
                let group: String = match d(2) {
                    Some(second) => format!("{c}{second}"),
                    None => c.to_string(),
                };
                self.pos += 1 + group.len();
                let _ = write!(self.out, r"\k<{group}>");
            }
            _ => {
                let ch = self.char_escape(c)?;
                return self.literal(ch);
            }
        }
        Ok(())
    }

    /// A character escape that means one character (shared by classes and the rest); advances past it.
    fn char_escape(&mut self, c: char) -> Result<char, String> {
        let hex = |this: &mut Self, len: usize| -> Result<char, String> {
            let digits: String = (0..len).filter_map(|i| this.peek_at(2 + i)).collect();
            if digits.chars().count() != len || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
                return this.err(format!("incomplete escape \\{c}{digits}"));
            }
            let n = u32::from_str_radix(&digits, 16).map_err(|e| e.to_string())?;
            this.pos += 2 + len;
            char::from_u32(n).map_or_else(|| this.err(format!("bad escape \\{c}{digits}")), Ok)
        };
        match c {
            'x' => hex(self, 2),
            'u' => hex(self, 4),
            'U' => hex(self, 8),
            'N' => self.err(
                r"named Unicode escapes (\N{...}) are not supported: write the character itself",
            ),
            'a' | 'f' | 'n' | 'r' | 't' | 'v' => {
                self.pos += 2;
                Ok(match c {
                    'a' => '\x07',
                    'f' => '\x0c',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    _ => '\x0b',
                })
            }
            c if c.is_ascii_alphanumeric() => self.err(format!("bad escape \\{c}")),
            c => {
                self.pos += 2;
                Ok(c)
            }
        }
    }

    /// A literal character, written so that it means itself in `fancy-regex`.
    fn literal(&mut self, c: char) -> Result<(), String> {
        write_literal(&mut self.out, c);
        Ok(())
    }

    /// A character class, rewritten item by item.
    fn class(&mut self) -> Result<(), String> {
        let start = self.pos;
        self.pos += 1;
        self.out.push('[');
        if self.peek() == Some('^') {
            self.pos += 1;
            self.out.push('^');
        }
        let mut first = true;
        loop {
            let Some(c) = self.peek() else {
                self.pos = start;
                return self.err("unterminated character set");
            };
            if c == ']' && !first {
                self.pos += 1;
                break;
            }
            first = false;
            // One item: a class escape, or a character possibly starting a range.
            let low = match self.class_atom()? {
                ClassAtom::Set(items) => {
                    self.out.push_str(&items);
                    if self.peek() == Some('-') && self.peek_at(1).is_some_and(|c| c != ']') {
                        return self.err("bad character range");
                    }
                    continue;
                }
                ClassAtom::Char(c) => c,
            };
            if self.peek() == Some('-') && self.peek_at(1).is_some_and(|c| c != ']') {
                self.pos += 1;
                let high = match self.class_atom()? {
                    ClassAtom::Char(c) => c,
                    ClassAtom::Set(_) => return self.err("bad character range"),
                };
                if high < low {
                    return self.err(format!("bad character range {low}-{high}"));
                }
                write_literal(&mut self.out, low);
                self.out.push('-');
                write_literal(&mut self.out, high);
            } else {
                write_literal(&mut self.out, low);
            }
        }
        self.out.push(']');
        Ok(())
    }

    fn class_atom(&mut self) -> Result<ClassAtom, String> {
        let Some(c) = self.peek() else {
            return self.err("unterminated character set");
        };
        if c != '\\' {
            self.pos += 1;
            return Ok(ClassAtom::Char(c));
        }
        let Some(e) = self.peek_at(1) else {
            return self.err("bad escape (end of pattern)");
        };
        let set = |this: &mut Self, items: String| {
            this.pos += 2;
            Ok(ClassAtom::Set(items))
        };
        match e {
            'd' | 'D' => set(self, format!("\\{e}")),
            's' => set(self, SPACE_ITEMS.to_owned()),
            'S' => set(self, format!("[^{SPACE_ITEMS}]")),
            'w' => set(self, WORD_ITEMS.to_owned()),
            'W' => set(self, format!("[^{WORD_ITEMS}]")),
            'b' => {
                self.pos += 2;
                Ok(ClassAtom::Char('\x08'))
            }
            '0'..='7' => {
                // Up to three octal digits.
                let mut n = 0u32;
                let mut len = 0;
                while len < 3 {
                    match self.peek_at(1 + len).filter(|c| ('0'..='7').contains(c)) {
                        Some(o) => n = n * 8 + o.to_digit(8).unwrap_or(0),
                        None => break,
                    }
                    len += 1;
                }
                if n > 0o377 {
                    return self.err("octal escape value outside of range 0-0o377");
                }
                self.pos += 1 + len;
                Ok(ClassAtom::Char(char::from_u32(n).unwrap_or('\0')))
            }
            '8' | '9' => self.err(format!("bad escape \\{e}")),
            _ => self.char_escape(e).map(ClassAtom::Char),
        }
    }
}

enum ClassAtom {
    Char(char),
    /// Class items (`\d`, Python's `\w`...), written as they go inside `[...]`.
    Set(String),
}

/// Alphanumerics stand for themselves; everything else is written `\x{...}` (one spelling that is a
/// literal everywhere, inside a class or not).
fn write_literal(out: &mut String, c: char) {
    if c.is_alphanumeric() {
        out.push(c);
    } else {
        let _ = write!(out, "\\x{{{:x}}}", c as u32);
    }
}

/// Python group names are identifiers; `fancy-regex` takes ASCII word characters.
fn is_group_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
