//! Python `re` syntax → `fancy-regex` syntax.
//!
//! Airflow compiles `*_lookup_pattern` with Python's `re`; `fancy-regex` (look-around, back-references,
//! atomic groups) runs it. Where the two spell or mean a construct differently the pattern is rewritten
//! here, so that it matches the keys Python matches:
//!
//! * `$` (without `(?m)`) also matches before a final `\n` in Python → `(?:$|(?=\n\z))`;
//! * `\Z` is the absolute end in Python (`\z` in Rust); `\B` never matches an empty key; `\s` also matches `\x1c`–`\x1f`; `\w` is
//!   `str.isalnum()` or `_` (letters and numbers, no combining marks);
//! * `(?P=name)` → `\k<name>`; `(?#...)` comments are dropped; `x{,n}` → `x{0,n}`; a `{` that does not
//!   start a repetition is a literal;
//! * in a character class, `[`, `&&`, `--`, `~~` are literals and `\b` is a backspace;
//! * a quantified zero-width group (`(?=x)*`, `(?:\b)+`) becomes `(?:x|)` or `x` (`fancy-regex` refuses
//!   to repeat it, Python repeats it at most once);
//! * Python's compile errors that `fancy-regex` does not raise are raised here: a repeated anchor
//!   ("nothing to repeat"), a reference to a group that is open or not yet defined, `{3,2}`;
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
        open: Vec::new(),
        groups: 0,
        closed: Vec::new(),
        names: Vec::new(),
        after_assertion: false,
    }
    .run()
}

struct Translator {
    chars: Vec<char>,
    pos: usize,
    out: String,
    /// The groups opened and not yet closed, innermost last.
    open: Vec<Group>,
    /// Capturing groups opened so far (their numbers are 1..=groups).
    groups: usize,
    /// The capturing groups already closed.
    closed: Vec<usize>,
    /// Named groups: (name, number).
    names: Vec<(String, usize)>,
    /// The last item written is an anchor (`^`, `$`, `\A`, `\Z`, `\b`, `\B`): Python refuses to
    /// repeat it ("nothing to repeat").
    after_assertion: bool,
}

struct Group {
    /// Its number, for a capturing group.
    number: Option<usize>,
    /// Where it starts in the output.
    start: usize,
    /// It matches only the empty string (a look-around, or only anchors and look-arounds inside):
    /// `fancy-regex` refuses to repeat it, Python does not, so a quantifier on it is rewritten.
    zero_width: bool,
    /// A look-around: zero-width whatever it contains.
    look_around: bool,
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
            let assertion = matches!(c, '^' | '$')
                || (c == '\\' && matches!(self.peek_at(1), Some('A' | 'Z' | 'b' | 'B')));
            let quantifier =
                matches!(c, '*' | '+' | '?') || (c == '{' && self.repetition().is_some());
            if quantifier && self.after_assertion {
                return self.err("nothing to repeat");
            }
            let consumes = !assertion && !quantifier && !matches!(c, '(' | ')' | '|');
            if consumes && let Some(group) = self.open.last_mut() {
                group.zero_width = false;
            }
            match c {
                '\\' => self.escape()?,
                '[' => self.class()?,
                '(' => self.group()?,
                ')' => self.close_group()?,
                '$' => {
                    self.pos += 1;
                    self.out.push_str(r"(?:$|(?=\n\z))");
                }
                '{' => self.brace()?,
                '}' => {
                    self.pos += 1;
                    self.out.push_str(r"\}");
                }
                _ => {
                    self.pos += 1;
                    self.out.push(c);
                }
            }
            // A lazy or possessive suffix (`*?`, `{2}+`) belongs to the quantifier before it.
            if quantifier && matches!(self.peek(), Some('?' | '+')) {
                self.out.push(self.chars[self.pos]);
                self.pos += 1;
            }
            self.after_assertion = assertion;
        }
        if !self.open.is_empty() {
            return self.err("missing ), unterminated subpattern");
        }
        Ok(self.out)
    }

    fn close_group(&mut self) -> Result<(), String> {
        let Some(mut group) = self.open.pop() else {
            return self.err("unbalanced parenthesis");
        };
        group.zero_width |= group.look_around;
        self.pos += 1;
        self.out.push(')');
        if !group.zero_width
            && let Some(parent) = self.open.last_mut()
        {
            parent.zero_width = false;
        }
        let quantified = matches!(self.peek(), Some('*' | '?' | '+'))
            || (self.peek() == Some('{') && self.repetition().is_some());
        if group.zero_width && quantified {
            self.out.insert_str(group.start, "(?:");
            // A quantified zero-width group (which `fancy-regex` refuses to repeat): with a minimum of 0 it
            // may or may not hold (`(?:(?=x)|)`), otherwise it must hold once.
            let quantifier = match self.peek() {
                Some('*' | '?') => Some(("0".to_owned(), 1)),
                Some('+') => Some(("1".to_owned(), 1)),
                Some('{') => self.repetition().map(|(min, max, len)| {
                    if let Some(max) = max.as_ref().filter(|max| !max.is_empty())
                        && min.parse::<u64>().ok() > max.parse::<u64>().ok()
                    {
                        return ("bad".to_owned(), len);
                    }
                    (min, len)
                }),
                _ => None,
            };
            match quantifier {
                Some((min, _)) if min == "bad" => {
                    return self.err("min repeat greater than max repeat");
                }
                Some((min, len)) => {
                    self.pos += len;
                    if matches!(self.peek(), Some('?' | '+')) {
                        self.pos += 1;
                    }
                    let optional = min.is_empty() || min.bytes().all(|b| b == b'0');
                    self.out.push_str(if optional { "|)" } else { ")" });
                }
                None => self.out.push(')'),
            }
        }
        if let Some(n) = group.number {
            self.closed.push(n);
        }
        Ok(())
    }

    /// A reference to group `n` (`\\n`, `(?P=name)`), refused as Python does when the group does not
    /// exist yet or is still open.
    fn reference(&mut self, n: usize) -> Result<(), String> {
        if n == 0 || n > self.groups {
            return self.err(format!("invalid group reference {n}"));
        }
        if !self.closed.contains(&n) {
            return self.err("cannot refer to an open group");
        }
        let _ = write!(self.out, r"\k<{n}>");
        Ok(())
    }

    /// Records a group opened at output position `start`.
    fn push_group(&mut self, number: Option<usize>, start: usize, zero_width: bool) {
        self.open.push(Group {
            number,
            start,
            zero_width,
            look_around: false,
        });
    }

    fn new_capture(&mut self) -> usize {
        self.groups += 1;
        self.groups
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
            let start = self.out.len();
            self.pos += 1;
            self.out.push('(');
            let n = self.new_capture();
            self.push_group(Some(n), start, true);
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
                    let Some(&(_, n)) = self.names.iter().find(|(known, _)| *known == name) else {
                        return self.err(format!("unknown group name {name:?}"));
                    };
                    self.reference(n)?;
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
                    if self.names.iter().any(|(known, _)| *known == name) {
                        return self.err(format!("redefinition of group name {name:?}"));
                    }
                    let n = self.new_capture();
                    self.names.push((name.clone(), n));
                    self.push_group(Some(n), self.out.len(), true);
                    let _ = write!(self.out, "(?P<{name}>");
                    self.pos = start + len + 1;
                    Ok(())
                }
                None => self.err("missing >, unterminated name"),
            }
        } else if self.starts_with("(?(") {
            // A conditional: `(?(1)yes|no)` or `(?(name)yes|no)`.
            let start = self.pos + 3;
            let Some(len) = self.chars[start..].iter().position(|&c| c == ')') else {
                return self.err("missing ), unterminated name");
            };
            let cond: String = self.chars[start..start + len].iter().collect();
            let number = match cond.parse::<usize>() {
                Ok(n) => (n >= 1 && n <= self.groups).then_some(n),
                Err(_) => self
                    .names
                    .iter()
                    .find(|(name, _)| *name == cond)
                    .map(|(_, n)| *n),
            };
            let Some(number) = number else {
                return self.err(format!("invalid group reference {cond}"));
            };
            self.push_group(None, self.out.len(), false);
            let _ = write!(self.out, "(?({number})");
            self.pos = start + len + 1;
            Ok(())
        } else if ["(?:", "(?=", "(?!", "(?<=", "(?<!", "(?>"]
            .iter()
            .any(|p| self.starts_with(p))
        {
            let len = if self.starts_with("(?<") { 4 } else { 3 };
            let look_around = !self.starts_with("(?:") && !self.starts_with("(?>");
            self.push_group(None, self.out.len(), true);
            if let Some(group) = self.open.last_mut() {
                group.look_around = look_around;
            }
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
            self.push_group(None, self.out.len(), true);
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
    fn brace(&mut self) -> Result<(), String> {
        match self.repetition() {
            Some((min, max, len)) => {
                let bound = |s: &str| s.parse::<u64>().ok();
                if let Some(max) = max.as_deref().filter(|max| !max.is_empty())
                    && bound(&min) > bound(max)
                {
                    return self.err("min repeat greater than max repeat");
                }
                let min = if min.is_empty() { "0".to_owned() } else { min };
                match max {
                    Some(max) => {
                        let _ = write!(self.out, "{{{min},{max}}}");
                    }
                    None => {
                        let _ = write!(self.out, "{{{min}}}");
                    }
                }
                self.pos += len;
            }
            None => {
                self.pos += 1;
                self.out.push_str(r"\{");
            }
        }
        Ok(())
    }

    /// The repetition `{m}`, `{m,}`, `{,n}` or `{m,n}` at the cursor: (min, max, its length).
    fn repetition(&self) -> Option<(String, Option<String>, usize)> {
        let rest: String = self.chars[self.pos + 1..].iter().take(64).collect();
        let end = rest.find('}')?;
        let body = &rest[..end];
        let (min, max) = match body.split_once(',') {
            Some((a, b)) => (a, Some(b)),
            None => (body, None),
        };
        let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        let valid = digits(min) && max.is_none_or(digits) && (!min.is_empty() || max.is_some());
        valid.then(|| {
            (
                min.to_owned(),
                max.map(str::to_owned),
                body.chars().count() + 2,
            )
        })
    }

    /// An escape outside a class.
    fn escape(&mut self) -> Result<(), String> {
        let Some(c) = self.peek_at(1) else {
            return self.err("bad escape (end of pattern)");
        };
        match c {
            'A' | 'b' => {
                self.pos += 2;
                let _ = write!(self.out, "\\{c}");
            }
            'B' => {
                // Python's `\B` never matches in an empty string.
                self.pos += 2;
                self.out.push_str(r"(?:(?!\A\z)\B)");
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
                self.reference(group.parse().unwrap_or(0))?;
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
