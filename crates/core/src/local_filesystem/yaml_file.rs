//! `.yaml` / `.yml` secret files, read as Airflow reads them: `yaml.load(text, CSafeLoader)`
//! (PyYAML on libyaml, **YAML 1.1** resolution rules).
//!
//! yaml-rust2 does the scanning and parsing (it is a port of libyaml, so its syntax errors carry
//! libyaml's messages, e.g. `did not find expected key`); this module builds the document from the
//! parser's events and resolves plain scalars with PyYAML's YAML 1.1 rules, not YAML 1.2's:
//!
//! | plain scalar | PyYAML (and we) | YAML 1.2 |
//! |---|---|---|
//! | `yes`, `No`, `on`, `OFF` | bool | string |
//! | `0755` | 493 (octal) | 755 |
//! | `1_000`, `0x_1F` | 1000, 31 | string |
//! | `1:30` | 90 (base 60) | string |
//! | `1e3`, `1.0e5` | string (a float needs a `.` and a signed exponent) | float |
//! | `2001-12-14` | `datetime.date` (we keep the string, see below) | string |
//! | `=` as a value | error (PyYAML has no constructor for it) | string |
//!
//! Also as PyYAML: `<<` merge keys, anchors and aliases, a repeated key keeps the last value at the
//! first position, `1`/`1.0`/`true` are the same key, unhashable (list or map) keys are an error,
//! more than one document is an error, control characters anywhere in the file are an error, and a
//! leading byte-order mark is skipped. The non-specific tag `!` resolves like an untagged plain
//! scalar, as libyaml's loader does (`! '12'` is the int 12).
//!
//! Deliberate differences, each in a corner where PyYAML returns something Airflow then cannot use or
//! crashes on:
//! * timestamps (`2001-12-14`, `!!timestamp ...`) stay the string as written; PyYAML returns a
//!   `datetime` (whose `str()` is the same text for a plain date);
//! * `!!binary` and `!!set` are refused (PyYAML returns `bytes` / `set`, which `json.dumps` rejects);
//! * `!!int` / `!!float` / `!!bool` values that do not parse are reported as a file parse error (PyYAML
//!   raises a bare `ValueError` / `KeyError`);
//! * integers are limited to `i128` (±1.7e38, 39 digits): a larger one, in any form (decimal, `0x`,
//!   `0b`, octal, base 60), is a file parse error naming its line (PyYAML returns a big `int`);
//! * a recursive alias (`&a [*a]`) is refused; anchors and aliases may copy at most
//!   [`MAX_ALIAS_BYTES`] in all, counted in bytes (a long string costs its length), and the document,
//!   aliases expanded, may nest at most [`MAX_NESTING_DEPTH`] levels: "billion laughs" and nesting
//!   bombs are an error naming their line, not an exhausted memory or stack; and the document, aliases
//!   expanded, may hold at most [`MAX_NODES`] nodes (PyYAML reads any number). (libyaml refuses
//!   nesting past 1,000 levels, `exceeded maximum nesting depth`; PyYAML's aliases share one object
//!   and copy nothing, so a deep alias chain fails only later, in `json.dumps`, with
//!   `RecursionError`.)
//! * the grammar is yaml-rust2's (YAML 1.2), which accepts some malformed inputs libyaml rejects:
//!   tabs as indentation, an empty implicit key (`: x`), anchor names with punctuation (`&a:b`), a
//!   repeated anchor name, `?`, `>` or `|` right inside a flow collection; and rejects a few odd
//!   ones libyaml accepts (a block scalar indicator alone on the line after its key). Compared with
//!   PyYAML 6.0.3 on libyaml over 20,000 randomly mutated documents: of those PyYAML loads, 99.1%
//!   load identically, 0.1% differ in value (the flow/anchor corners above), 0.7% are refused here.

use std::collections::HashMap;
use std::num::{IntErrorKind, ParseIntError};
use std::sync::LazyLock;

use regex::Regex;
use yaml_rust2::parser::Parser;
use yaml_rust2::scanner::{Marker, TScalarStyle};
use yaml_rust2::{Event, ScanError};

use crate::FileParseError;

use super::MAX_NODES;
use super::value::{PyDict, PyValue};

/// Deepest nesting of lists and mappings in a JSON or YAML secrets file, YAML aliases expanded: 127
/// (a top-level mapping is level 1). It is serde_json's own limit, which JSON files have; YAML files
/// get the same, so that every walk of a document (building, copying, dropping, `json.dumps`) stays
/// far within a 2 MiB thread stack. A deeper document is a parse error naming the line.
pub const MAX_NESTING_DEPTH: usize = 127;

/// Most bytes that anchors and aliases may copy in one YAML secrets file: 8 MiB, counted as the
/// estimated in-memory size of each copy (a string counts its length, every node a fixed size), so
/// that neither many nodes nor one long string can multiply a small file into gigabytes. More is a
/// parse error naming the line of the alias (or anchor) that goes past it.
pub const MAX_ALIAS_BYTES: usize = 8 * 1024 * 1024;

/// The estimated in-memory size of one node, without the text it owns.
const NODE_BYTES: usize = std::mem::size_of::<PyValue>();

const TAG_PREFIX: &str = "tag:yaml.org,2002:";

/// `yaml.load(text, Loader=CSafeLoader)`: the single document, or `None` for an empty stream.
pub(crate) fn safe_load(text: &str) -> Result<PyValue, FileParseError> {
    check_printable(text)?;
    // libyaml skips a byte-order mark at the start of the stream.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // yaml-rust2 is not known to panic, but a panic must never take the lookup down with it.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Builder::default().run(text)
    }))
    .unwrap_or_else(|_| {
        Err(FileParseError {
            column: None,
            line: None,
            message: "the YAML parser failed on this file".into(),
        })
    })
}

/// libyaml's reader check: only `\t`, `\n`, `\r`, printable ASCII, `\x85`, `\xa0`-`\ud7ff`,
/// `\ue000`-`\ufffd` and the supplementary planes may appear.
fn check_printable(text: &str) -> Result<(), FileParseError> {
    let printable = |c: char| {
        matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7e}' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
            || c >= '\u{10000}'
    };
    match text.char_indices().find(|(_, c)| !printable(*c)) {
        None => Ok(()),
        Some((i, c)) => {
            let before = &text[..i];
            let line_start = before.rfind('\n').map_or(0, |n| n + 1);
            Err(FileParseError {
                line: Some(before.matches('\n').count() + 1),
                column: Some(before[line_start..].chars().count() + 1),
                message: format!(
                    "unacceptable character #x{:04x}: control characters are not allowed",
                    u32::from(c)
                ),
            })
        }
    }
}

fn error_at(mark: Marker, message: impl Into<String>) -> FileParseError {
    FileParseError {
        line: Some(mark.line()),
        column: Some(mark.col() + 1),
        message: message.into(),
    }
}

fn scan_error(e: &ScanError) -> FileParseError {
    // libyaml-style messages: they name the construct, never the document's text (the one exception,
    // "unexpected character", quotes a single reserved indicator such as `@`).
    // The scanner refuses flow collections nested past 255 (it reads ahead, so it may see them before
    // the builder's own depth check): that is the same error.
    if e.info() == "recursion limit exceeded" {
        return error_at(*e.marker(), too_deep());
    }
    error_at(*e.marker(), e.info())
}

fn too_deep() -> String {
    format!(
        "nesting deeper than {MAX_NESTING_DEPTH} levels (aliases expanded), the most a secrets file \
         may have"
    )
}

/// What a scalar resolves to before it is placed.
enum Scalar {
    Value(PyValue),
    /// `<<` (merge key).
    Merge,
    /// `=` (PyYAML's `tag:yaml.org,2002:value`: a string as a key, an error anywhere else).
    ValueKey,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SeqKind {
    List,
    /// `!!omap` / `!!pairs`: a list of single-pair mappings, read as a list of `[key, value]`.
    Pairs,
}

struct Pair {
    key: PyValue,
    key_mark: Marker,
    value: PyValue,
    value_mark: Marker,
    merge: bool,
}

/// A node's height (0 for a scalar, 1 + the tallest child for a collection), estimated bytes and
/// number of nodes (itself and everything in it), tracked as the document is built so that no
/// recursive walk is needed to bound them.
#[derive(Clone, Copy, Default)]
struct Size {
    height: usize,
    bytes: usize,
    nodes: usize,
}

impl Size {
    fn scalar(text: &str) -> Size {
        Size {
            height: 0,
            bytes: NODE_BYTES + text.len(),
            nodes: 1,
        }
    }
}

/// A collection being read: its anchor, the size of the children read so far, its contents.
struct Frame {
    anchor: usize,
    children: Size,
    body: Body,
}

enum Body {
    Seq {
        kind: SeqKind,
        items: Vec<PyValue>,
        /// Each item's position, kept for `!!omap` / `!!pairs` only (their errors name it).
        marks: Vec<Marker>,
    },
    Map {
        pairs: Vec<Pair>,
        /// The key read, waiting for its value; `bool` = merge key.
        pending: Option<(PyValue, Marker, bool)>,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, (PyValue, Size)>,
    copied_bytes: usize,
    /// Nodes read so far, aliases expanded (see [`MAX_NODES`]).
    nodes: usize,
    documents: usize,
    result: Option<PyValue>,
}

impl Builder {
    fn run(mut self, source: &str) -> Result<PyValue, FileParseError> {
        let mut parser = Parser::new_from_str(source);
        loop {
            let (event, mark) = parser.next_token().map_err(|e| scan_error(&e))?;
            match event {
                Event::StreamEnd => break,
                Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
                Event::DocumentStart => {
                    self.documents += 1;
                    if self.documents > 1 {
                        return Err(error_at(
                            mark,
                            "expected a single document in the stream, but found another document",
                        ));
                    }
                }
                Event::Alias(id) => {
                    let Some((_, size)) = self.anchors.get(&id) else {
                        return Err(error_at(
                            mark,
                            "found a recursive alias, which is not supported",
                        ));
                    };
                    let size = *size;
                    // Every limit is checked before the copy is made.
                    self.check_depth(size, mark)?;
                    self.count(size.nodes, mark)?;
                    self.copy(size, mark)?;
                    let value = self.anchors[&id].0.clone();
                    self.place(Scalar::Value(value), size, mark)?;
                }
                Event::Scalar(mut text, style, anchor, tag) => {
                    if matches!(style, TScalarStyle::Literal | TScalarStyle::Folded)
                        && block_scalar_at_eof_without_newline(&mut parser, source, &text)
                    {
                        // libyaml keeps no line break the file does not have; yaml-rust2 adds one.
                        text.pop();
                    }
                    let scalar =
                        construct_scalar(&text, style, tag.as_ref().map(full_tag).as_deref())
                            .map_err(|m| error_at(mark, m))?;
                    let size = Size::scalar(&text);
                    self.count(1, mark)?;
                    if anchor != 0 {
                        self.copy(size, mark)?;
                        let value = match &scalar {
                            Scalar::Value(v) => v.clone(),
                            Scalar::Merge | Scalar::ValueKey => PyValue::Str(text.clone()),
                        };
                        self.anchors.insert(anchor, (value, size));
                    }
                    self.place(scalar, size, mark)?;
                }
                Event::SequenceStart(anchor, tag) => {
                    let kind = match tag.as_ref().map(full_tag).as_deref() {
                        None | Some("!") => SeqKind::List,
                        Some(t) => match t.strip_prefix(TAG_PREFIX) {
                            Some("seq") => SeqKind::List,
                            Some("omap" | "pairs") => SeqKind::Pairs,
                            Some("map" | "set") => {
                                return Err(error_at(
                                    mark,
                                    "expected a mapping node, but found sequence",
                                ));
                            }
                            _ => return Err(error_at(mark, no_constructor(t))),
                        },
                    };
                    let body = Body::Seq {
                        kind,
                        items: Vec::new(),
                        marks: Vec::new(),
                    };
                    self.push(anchor, body, mark)?;
                }
                Event::MappingStart(anchor, tag) => {
                    match tag.as_ref().map(full_tag).as_deref() {
                        None | Some("!") => {}
                        Some(t) => match t.strip_prefix(TAG_PREFIX) {
                            Some("map") => {}
                            Some("set") => {
                                return Err(error_at(mark, "the !!set tag is not supported"));
                            }
                            Some("seq" | "omap" | "pairs") => {
                                return Err(error_at(
                                    mark,
                                    "expected a sequence node, but found mapping",
                                ));
                            }
                            _ => return Err(error_at(mark, no_constructor(t))),
                        },
                    }
                    let body = Body::Map {
                        pairs: Vec::new(),
                        pending: None,
                    };
                    self.push(anchor, body, mark)?;
                }
                Event::SequenceEnd => {
                    let Some(Frame {
                        anchor,
                        children,
                        body: Body::Seq { kind, items, marks },
                    }) = self.stack.pop()
                    else {
                        return Err(error_at(mark, "unbalanced sequence end"));
                    };
                    let value = match kind {
                        SeqKind::List => PyValue::List(items),
                        SeqKind::Pairs => pairs_list(items, marks)?,
                    };
                    self.finish(anchor, value, children, mark)?;
                }
                Event::MappingEnd => {
                    let Some(Frame {
                        anchor,
                        children,
                        body: Body::Map { pairs, .. },
                    }) = self.stack.pop()
                    else {
                        return Err(error_at(mark, "unbalanced mapping end"));
                    };
                    let dict = flatten_mapping(pairs)?;
                    self.finish(anchor, PyValue::Dict(Box::new(dict)), children, mark)?;
                }
            }
        }
        Ok(self.result.unwrap_or(PyValue::None))
    }

    fn push(&mut self, anchor: usize, body: Body, mark: Marker) -> Result<(), FileParseError> {
        self.check_depth(
            Size {
                height: 1,
                bytes: 0,
                nodes: 1,
            },
            mark,
        )?;
        self.count(1, mark)?;
        self.stack.push(Frame {
            anchor,
            children: Size::default(),
            body,
        });
        Ok(())
    }

    /// A node of `size` placed at the current level must keep the document within
    /// [`MAX_NESTING_DEPTH`].
    fn check_depth(&self, size: Size, mark: Marker) -> Result<(), FileParseError> {
        if self.stack.len() + size.height > MAX_NESTING_DEPTH {
            return Err(error_at(mark, too_deep()));
        }
        Ok(())
    }

    /// Counts `nodes` more nodes against [`MAX_NODES`].
    fn count(&mut self, nodes: usize, mark: Marker) -> Result<(), FileParseError> {
        self.nodes = self.nodes.saturating_add(nodes);
        if self.nodes > MAX_NODES {
            return Err(error_at(mark, super::too_many_nodes()));
        }
        Ok(())
    }

    /// Counts a copy made by an anchor or an alias against [`MAX_ALIAS_BYTES`].
    fn copy(&mut self, size: Size, mark: Marker) -> Result<(), FileParseError> {
        self.copied_bytes = self.copied_bytes.saturating_add(size.bytes);
        if self.copied_bytes > MAX_ALIAS_BYTES {
            return Err(error_at(
                mark,
                format!(
                    "aliases expand to more than {} MiB, the most anchors and aliases may copy \
                     in a secrets file",
                    MAX_ALIAS_BYTES >> 20
                ),
            ));
        }
        Ok(())
    }

    fn finish(
        &mut self,
        anchor: usize,
        value: PyValue,
        children: Size,
        mark: Marker,
    ) -> Result<(), FileParseError> {
        let size = Size {
            height: children.height + 1,
            bytes: NODE_BYTES.saturating_add(children.bytes),
            nodes: children.nodes.saturating_add(1),
        };
        if anchor != 0 {
            self.copy(size, mark)?;
            self.anchors.insert(anchor, (value.clone(), size));
        }
        self.place(Scalar::Value(value), size, mark)
    }

    /// Puts a finished node of `size` into its parent (or makes it the document).
    fn place(&mut self, node: Scalar, size: Size, mark: Marker) -> Result<(), FileParseError> {
        self.check_depth(size, mark)?;
        let Some(frame) = self.stack.last_mut() else {
            self.result = Some(value_or_error(node).map_err(|m| error_at(mark, m))?);
            return Ok(());
        };
        frame.children.height = frame.children.height.max(size.height);
        frame.children.bytes = frame.children.bytes.saturating_add(size.bytes);
        frame.children.nodes = frame.children.nodes.saturating_add(size.nodes);
        match &mut frame.body {
            Body::Seq { kind, items, marks } => {
                items.push(value_or_error(node).map_err(|m| error_at(mark, m))?);
                if *kind == SeqKind::Pairs {
                    marks.push(mark);
                }
            }
            Body::Map { pairs, pending } => match pending.take() {
                None => {
                    let (key, merge) = match node {
                        Scalar::Value(v) => (v, false),
                        Scalar::Merge => (PyValue::Str("<<".into()), true),
                        Scalar::ValueKey => (PyValue::Str("=".into()), false),
                    };
                    // The dict keeps a second copy of a string key (its identity) and an index slot.
                    let key_copy = match &key {
                        PyValue::Str(k) => k.len(),
                        _ => 0,
                    };
                    frame.children.bytes =
                        frame.children.bytes.saturating_add(NODE_BYTES + key_copy);
                    *pending = Some((key, mark, merge));
                }
                Some((key, key_mark, merge)) => {
                    let value = value_or_error(node).map_err(|m| error_at(mark, m))?;
                    pairs.push(Pair {
                        key,
                        key_mark,
                        value,
                        value_mark: mark,
                        merge,
                    });
                }
            },
        }
        Ok(())
    }
}

/// Whether a block scalar (`|` / `>`) runs to the end of a file that does not end with a line break:
/// yaml-rust2 then ends the value with a `\n` that libyaml (and so Airflow) does not add. True when the
/// next event is at the end of the input and the scalar's last line is the file's last line.
fn block_scalar_at_eof_without_newline(
    parser: &mut Parser<std::str::Chars<'_>>,
    source: &str,
    value: &str,
) -> bool {
    if source.ends_with('\n') {
        return false;
    }
    let Some(body) = value.strip_suffix('\n') else {
        return false;
    };
    let value_last_line = body.rsplit('\n').next().unwrap_or(body);
    let source_last_line = source
        .rsplit('\n')
        .next()
        .unwrap_or(source)
        .trim_start_matches([' ', '\t']);
    if source_last_line.is_empty() || !value_last_line.ends_with(source_last_line) {
        return false;
    }
    match parser.peek() {
        Ok((_, next)) => next.index() >= source.chars().count(),
        Err(_) => false,
    }
}

fn value_or_error(node: Scalar) -> Result<PyValue, String> {
    match node {
        Scalar::Value(v) => Ok(v),
        Scalar::Merge => Err(no_constructor("tag:yaml.org,2002:merge")),
        Scalar::ValueKey => Err(no_constructor("tag:yaml.org,2002:value")),
    }
}

fn no_constructor(tag: &str) -> String {
    format!("could not determine a constructor for the tag '{tag}'")
}

/// The tag as PyYAML spells it: `!` for the non-specific tag, otherwise prefix + suffix
/// (`tag:yaml.org,2002:str`, `!foo`).
fn full_tag(tag: &yaml_rust2::parser::Tag) -> String {
    if tag.handle.is_empty() && tag.suffix == "!" {
        "!".into()
    } else {
        format!("{}{}", tag.handle, tag.suffix)
    }
}

/// PyYAML's `SafeConstructor.flatten_mapping` + `construct_mapping`: merged pairs first (a later
/// mapping in a `<<: [*a, *b]` list yields to an earlier one), then the mapping's own pairs; the last
/// value of a repeated key wins.
fn flatten_mapping(pairs: Vec<Pair>) -> Result<PyDict, FileParseError> {
    let mut dict = PyDict::default();
    if !pairs.iter().any(|pair| pair.merge) {
        // The usual case, without a second copy of the pairs.
        for pair in pairs {
            if dict.insert(pair.key, pair.value).is_err() {
                return Err(error_at(
                    pair.key_mark,
                    "while constructing a mapping, found unhashable key",
                ));
            }
        }
        return Ok(dict);
    }
    let mut merged: Vec<(PyValue, PyValue, Marker)> = Vec::new();
    let mut own = Vec::new();
    for pair in pairs {
        if !pair.merge {
            own.push((pair.key, pair.value, pair.key_mark));
            continue;
        }
        match pair.value {
            PyValue::Dict(d) => merged.extend(d.into_pairs().map(|(k, v)| (k, v, pair.value_mark))),
            PyValue::List(items) => {
                let mut submerge = Vec::new();
                for item in items {
                    match item {
                        PyValue::Dict(d) => submerge.push(*d),
                        other => {
                            return Err(error_at(
                                pair.value_mark,
                                format!(
                                    "while constructing a mapping, expected a mapping for merging, but found {}",
                                    node_kind(&other)
                                ),
                            ));
                        }
                    }
                }
                for d in submerge.into_iter().rev() {
                    merged.extend(d.into_pairs().map(|(k, v)| (k, v, pair.value_mark)));
                }
            }
            other => {
                return Err(error_at(
                    pair.value_mark,
                    format!(
                        "while constructing a mapping, expected a mapping or list of mappings for merging, but found {}",
                        node_kind(&other)
                    ),
                ));
            }
        }
    }
    for (key, value, mark) in merged.into_iter().chain(own) {
        if dict.insert(key, value).is_err() {
            return Err(error_at(
                mark,
                "while constructing a mapping, found unhashable key",
            ));
        }
    }
    Ok(dict)
}

fn node_kind(v: &PyValue) -> &'static str {
    match v {
        PyValue::List(_) => "sequence",
        PyValue::Dict(_) => "mapping",
        _ => "scalar",
    }
}

/// `!!omap` / `!!pairs`: each item must be a mapping of one pair; the result is a list of `[k, v]`.
fn pairs_list(items: Vec<PyValue>, marks: Vec<Marker>) -> Result<PyValue, FileParseError> {
    let mut out = Vec::with_capacity(items.len());
    for (item, mark) in items.into_iter().zip(marks) {
        match item {
            PyValue::Dict(d) if d.len() == 1 => {
                let (k, v) = d.into_pairs().next().expect("length checked");
                out.push(PyValue::List(vec![k, v]));
            }
            other => {
                return Err(error_at(
                    mark,
                    format!(
                        "while constructing an ordered map, expected a mapping of length 1, but found {}",
                        node_kind(&other)
                    ),
                ));
            }
        }
    }
    Ok(PyValue::List(out))
}

fn construct_scalar(text: &str, style: TScalarStyle, tag: Option<&str>) -> Result<Scalar, String> {
    let tag = match tag {
        None if style == TScalarStyle::Plain => return resolve_plain(text),
        None => return Ok(Scalar::Value(PyValue::Str(text.to_owned()))),
        // A node that is only a `!` tag is the empty string (libyaml marks it not implicit).
        Some("!") if text.is_empty() && style == TScalarStyle::Plain => {
            return Ok(Scalar::Value(PyValue::Str(String::new())));
        }
        // libyaml's loader resolves a `!`-tagged scalar like an untagged plain one, whatever its style.
        Some("!") => return resolve_plain(text),
        Some(t) => t,
    };
    let Some(short) = tag.strip_prefix(TAG_PREFIX) else {
        return Err(no_constructor(tag));
    };
    let bad = |what: &str| format!("the value cannot be read as !!{what}");
    Ok(Scalar::Value(match short {
        "str" => PyValue::Str(text.to_owned()),
        "null" => PyValue::None,
        "bool" => match text.to_lowercase().as_str() {
            "yes" | "true" | "on" => PyValue::Bool(true),
            "no" | "false" | "off" => PyValue::Bool(false),
            _ => return Err(bad("bool")),
        },
        "int" => PyValue::Int(construct_int(text).map_err(|e| match e {
            IntError::Invalid => bad("int"),
            IntError::TooLarge => INT_TOO_LARGE.into(),
        })?),
        "float" => PyValue::Float(construct_float(text).ok_or_else(|| bad("float"))?),
        "timestamp" if TIMESTAMP.is_match(text) => PyValue::Str(text.to_owned()),
        "timestamp" => return Err(bad("timestamp")),
        "merge" => return Ok(Scalar::Merge),
        "value" => return Ok(Scalar::ValueKey),
        "binary" => return Err("the !!binary tag is not supported".into()),
        "seq" | "omap" | "pairs" => return Err("expected a sequence node, but found scalar".into()),
        "map" | "set" => return Err("expected a mapping node, but found scalar".into()),
        _ => return Err(no_constructor(tag)),
    }))
}

// PyYAML's implicit resolvers (yaml/resolver.py), in its order: bool, float, int, merge, null,
// timestamp, value.
static BOOL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\A(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)\z",
    )
    .expect("valid regex")
});
static FLOAT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\A(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\z",
    )
    .expect("valid regex")
});
static INT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\A(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)\z",
    )
    .expect("valid regex")
});
static NULL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\A(?:~|null|Null|NULL|)\z").expect("valid regex"));
static TIMESTAMP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\A(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)\z",
    )
    .expect("valid regex")
});

/// Implicit (untagged plain scalar) resolution, YAML 1.1 as PyYAML does it.
fn resolve_plain(text: &str) -> Result<Scalar, String> {
    let value = if BOOL.is_match(text) {
        PyValue::Bool(
            matches!(text.as_bytes()[0], b'y' | b'Y' | b't' | b'T')
                || text.eq_ignore_ascii_case("on"),
        )
    } else if FLOAT.is_match(text) {
        match construct_float(text) {
            Some(f) => PyValue::Float(f),
            None => PyValue::Str(text.to_owned()),
        }
    } else if INT.is_match(text) {
        match construct_int(text) {
            Ok(i) => PyValue::Int(i),
            Err(IntError::TooLarge) => return Err(INT_TOO_LARGE.into()),
            // Only `0b_` and the like (PyYAML raises `ValueError`); kept as the text.
            Err(IntError::Invalid) => PyValue::Str(text.to_owned()),
        }
    } else if text == "<<" {
        return Ok(Scalar::Merge);
    } else if NULL.is_match(text) {
        PyValue::None
    } else if text == "=" {
        return Ok(Scalar::ValueKey);
    } else {
        // Timestamps included: kept as the text (see the module documentation).
        PyValue::Str(text.to_owned())
    };
    Ok(Scalar::Value(value))
}

fn split_sign(value: &str) -> (bool, &str) {
    match value.as_bytes().first() {
        Some(b'-') => (true, &value[1..]),
        Some(b'+') => (false, &value[1..]),
        _ => (false, value),
    }
}

/// Why [`construct_int`] failed.
enum IntError {
    /// Not an integer in YAML 1.1's forms.
    Invalid,
    /// An integer beyond `i128` (Python would give a big int).
    TooLarge,
}

impl From<ParseIntError> for IntError {
    fn from(e: ParseIntError) -> Self {
        match e.kind() {
            IntErrorKind::PosOverflow | IntErrorKind::NegOverflow => IntError::TooLarge,
            _ => IntError::Invalid,
        }
    }
}

const INT_TOO_LARGE: &str = "the integer is too large (integers are limited to 128 bits)";

/// `SafeConstructor.construct_yaml_int`: `_` separators, `0b` binary, `0x` hex, `0` octal, base 60
/// (`1:30`), within `i128`.
fn construct_int(text: &str) -> Result<i128, IntError> {
    let cleaned = text.replace('_', "");
    let (negative, rest) = split_sign(&cleaned);
    let magnitude = if let Some(bin) = rest.strip_prefix("0b") {
        i128::from_str_radix(bin, 2)?
    } else if let Some(hex) = rest.strip_prefix("0x") {
        i128::from_str_radix(hex, 16)?
    } else if rest.starts_with('0') && rest != "0" {
        i128::from_str_radix(rest, 8)?
    } else if rest.contains(':') {
        let mut acc: i128 = 0;
        for part in rest.split(':') {
            let part: i128 = part.trim().parse()?;
            acc = acc
                .checked_mul(60)
                .and_then(|a| a.checked_add(part))
                .ok_or(IntError::TooLarge)?;
        }
        acc
    } else {
        rest.trim().parse()?
    };
    // The magnitude may itself be negative (`!!int -0x-5`, as Python's `int()` allows): no `-` on
    // `i128::MIN`.
    if negative {
        magnitude.checked_neg().ok_or(IntError::TooLarge)
    } else {
        Ok(magnitude)
    }
}

/// Python's `float(s)` for the strings YAML hands it.
fn python_float(s: &str) -> Option<f64> {
    let s = s.trim();
    // Rust accepts the same decimal forms as Python (`1.`, `.5`, `1e5`, `inf`, `nan`) but no `_`,
    // which the caller has removed.
    s.parse().ok()
}

/// `SafeConstructor.construct_yaml_float`.
fn construct_float(text: &str) -> Option<f64> {
    let cleaned = text.replace('_', "").to_lowercase();
    let (negative, rest) = split_sign(&cleaned);
    let sign = if negative { -1.0 } else { 1.0 };
    if rest == ".inf" {
        Some(sign * f64::INFINITY)
    } else if rest == ".nan" {
        Some(f64::NAN)
    } else if rest.contains(':') {
        let mut value = 0.0;
        let mut base = 1.0;
        for part in rest.rsplit(':') {
            value += python_float(part)? * base;
            base *= 60.0;
        }
        Some(sign * value)
    } else {
        Some(sign * python_float(rest)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dumps(text: &str) -> String {
        safe_load(text)
            .map(|v| v.dumps())
            .unwrap_or_else(|e| format!("ERR {e}"))
    }

    #[test]
    fn yaml_1_1_scalars_like_pyyaml() {
        // (document, json.dumps(yaml.load(document, CSafeLoader))) from PyYAML 6.0.3 on libyaml.
        let cases = [
            ("a: yes", r#"{"a": true}"#),
            ("a: No", r#"{"a": false}"#),
            ("a: on", r#"{"a": true}"#),
            ("a: OFF", r#"{"a": false}"#),
            ("a: y", r#"{"a": "y"}"#),
            ("a: 0755", r#"{"a": 493}"#),
            ("a: 0o17", r#"{"a": "0o17"}"#),
            ("a: 1_000", r#"{"a": 1000}"#),
            ("a: 1:30", r#"{"a": 90}"#),
            ("a: -1:30", r#"{"a": -90}"#),
            ("a: 0:30", r#"{"a": "0:30"}"#),
            ("a: 1:61", r#"{"a": "1:61"}"#),
            ("a: 0x1F", r#"{"a": 31}"#),
            ("a: 0x_1F", r#"{"a": 31}"#),
            ("a: 0b101", r#"{"a": 5}"#),
            ("a: 00", r#"{"a": 0}"#),
            ("a: 08", r#"{"a": "08"}"#),
            ("a: 0_", r#"{"a": 0}"#),
            ("a: 1__0", r#"{"a": 10}"#),
            ("a: +12", r#"{"a": 12}"#),
            ("a: -0", r#"{"a": 0}"#),
            (
                "a: 12345678901234567890123",
                r#"{"a": 12345678901234567890123}"#,
            ),
            // The i128 limits, in every YAML 1.1 form.
            (
                "a: 170141183460469231731687303715884105727",
                r#"{"a": 170141183460469231731687303715884105727}"#,
            ),
            (
                "a: -170_141_183_460_469_231_731_687_303_715_884_105_727",
                r#"{"a": -170141183460469231731687303715884105727}"#,
            ),
            (
                "a: 0x7fffffffffffffffffffffffffffffff",
                r#"{"a": 170141183460469231731687303715884105727}"#,
            ),
            (
                "a: 0b1111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111",
                r#"{"a": 170141183460469231731687303715884105727}"#,
            ),
            (
                "a: 01777777777777777777777777777777777777777777",
                r#"{"a": 170141183460469231731687303715884105727}"#,
            ),
            ("a: -1:0:0", r#"{"a": -3600}"#),
            ("a: !!int '-0x_ff'", r#"{"a": -255}"#),
            ("a: ! 1_0", r#"{"a": 10}"#),
            ("a: 1.0e5", r#"{"a": "1.0e5"}"#),
            ("a: 1.0e+5", r#"{"a": 100000.0}"#),
            ("a: 1.5E+3", r#"{"a": 1500.0}"#),
            ("a: 1e3", r#"{"a": "1e3"}"#),
            ("a: .5", r#"{"a": 0.5}"#),
            ("a: 1.", r#"{"a": 1.0}"#),
            ("a: 0.", r#"{"a": 0.0}"#),
            ("a: 1_0.5_0", r#"{"a": 10.5}"#),
            ("a: 190:20:30.15", r#"{"a": 685230.15}"#),
            ("a: .inf", r#"{"a": Infinity}"#),
            ("a: -.Inf", r#"{"a": -Infinity}"#),
            ("a: +.inf", r#"{"a": Infinity}"#),
            ("a: .NaN", r#"{"a": NaN}"#),
            ("a: 1.7976931348623157e+309", r#"{"a": Infinity}"#),
            ("a: ~", r#"{"a": null}"#),
            ("a:", r#"{"a": null}"#),
            ("a: None", r#"{"a": "None"}"#),
            ("a: Null", r#"{"a": null}"#),
            ("a: '123'", r#"{"a": "123"}"#),
            ("a: \"yes\"", r#"{"a": "yes"}"#),
            ("a: !!str 123", r#"{"a": "123"}"#),
            ("a: !!int \"12\"", r#"{"a": 12}"#),
            ("'b': !!int '0x1f'", r#"{"b": 31}"#),
            ("a: !!float 1", r#"{"a": 1.0}"#),
            ("a: !!bool yes", r#"{"a": true}"#),
            ("a: !!null \"\"", r#"{"a": null}"#),
            ("a: !!null x", r#"{"a": null}"#),
            ("a: !!str", r#"{"a": ""}"#),
            ("a: ! 12", r#"{"a": 12}"#),
            ("a: ! '12'", r#"{"a": 12}"#),
            ("a: !<tag:yaml.org,2002:str> 5", r#"{"a": "5"}"#),
            ("a: !!map {x: 1}", r#"{"a": {"x": 1}}"#),
            ("a: !!seq [1]", r#"{"a": [1]}"#),
            ("a: 2001-12-14", r#"{"a": "2001-12-14"}"#),
            (
                "a: !!timestamp 2001-12-14 21:59:43.10 -5",
                r#"{"a": "2001-12-14 21:59:43.10 -5"}"#,
            ),
            ("a: [1, 2.5, null, true]", r#"{"a": [1, 2.5, null, true]}"#),
            ("a: |\n  line1\n  line2\n", r#"{"a": "line1\nline2\n"}"#),
            ("a: |\n  line1\n  line2", r#"{"a": "line1\nline2"}"#),
            ("a: >\n  line1\n  line2", r#"{"a": "line1 line2"}"#),
            ("a: |+\n  line1\n  line2", r#"{"a": "line1\nline2"}"#),
            ("a: |-\n  line1\n  line2", r#"{"a": "line1\nline2"}"#),
            ("a: |\n  line1\n# comment", r#"{"a": "line1\n"}"#),
            ("a: |\n  line1\n  #x", r#"{"a": "line1\n#x"}"#),
            ("- |\n  a\n  b", r#"["a\nb"]"#),
            (
                "a: |\n  line1\nb: line1",
                r#"{"a": "line1\n", "b": "line1"}"#,
            ),
            ("a: [!, y]", r#"{"a": ["", "y"]}"#),
            ("a: !", r#"{"a": ""}"#),
            ("a: ! ''", r#"{"a": null}"#),
        ];
        for (doc, want) in cases {
            assert_eq!(dumps(doc), want, "{doc:?}");
        }
    }

    #[test]
    fn mappings_like_pyyaml() {
        let cases = [
            ("1: x\n\"1\": y\ntrue: z\n1.0: w", r#"{"1": "w", "1": "y"}"#),
            ("a: 1\na: 2", r#"{"a": 2}"#),
            ("a: &x {k: 1}\nb: *x", r#"{"a": {"k": 1}, "b": {"k": 1}}"#),
            (
                "base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3",
                r#"{"base": {"x": 1, "y": 2}, "c": {"x": 1, "y": 3}}"#,
            ),
            (
                "a:\n  <<: [{x: 1}, {x: 2, y: 2}]\n  z: 3",
                r#"{"a": {"x": 1, "y": 2, "z": 3}}"#,
            ),
            (
                "a:\n  y: 0\n  <<: {x: 1, y: 2}",
                r#"{"a": {"x": 1, "y": 0}}"#,
            ),
            ("<<: {x: 1}", r#"{"x": 1}"#),
            ("\"<<\": {x: 1}", r#"{"<<": {"x": 1}}"#),
            ("? !!merge <<\n: {x: 1}", r#"{"x": 1}"#),
            ("=: 1", r#"{"=": 1}"#),
            (
                "a:\n  - 1\n  - !!omap [x: 1, y: 2]",
                r#"{"a": [1, [["x", 1], ["y", 2]]]}"#,
            ),
            ("a: !!pairs [x: 1, x: 2]", r#"{"a": [["x", 1], ["x", 2]]}"#),
            ("~: c", r#"{"null": "c"}"#),
            ("\u{feff}a: 1", r#"{"a": 1}"#),
            ("a: 1\r\nb: 2", r#"{"a": 1, "b": 2}"#),
            ("", "null"),
            ("# only a comment\n", "null"),
            ("---\n", "null"),
            ("--- 5", "5"),
            ("- a", r#"["a"]"#),
        ];
        for (doc, want) in cases {
            assert_eq!(dumps(doc), want, "{doc:?}");
        }
    }

    #[test]
    fn errors_like_pyyaml() {
        // (document, line, message start). Lines are 1-based (PyYAML's Mark.line is 0-based).
        let cases = [
            (
                "a: =",
                1,
                "could not determine a constructor for the tag 'tag:yaml.org,2002:value'",
            ),
            (
                "a: !!merge <<",
                1,
                "could not determine a constructor for the tag 'tag:yaml.org,2002:merge'",
            ),
            (
                "a: !foo bar",
                1,
                "could not determine a constructor for the tag '!foo'",
            ),
            (
                "a: !str 5",
                1,
                "could not determine a constructor for the tag '!str'",
            ),
            (
                "a: !!python/object:os.system x",
                1,
                "could not determine a constructor for the tag 'tag:yaml.org,2002:python/object:os.system'",
            ),
            (
                "? [a]\n: b",
                1,
                "while constructing a mapping, found unhashable key",
            ),
            (
                "a: \"\u{1}\"",
                1,
                "unacceptable character #x0001: control characters are not allowed",
            ),
            ("a: \u{7f}", 1, "unacceptable character #x007f"),
            ("x: 1\ny: \"\u{fffe}\"", 2, "unacceptable character #xfffe"),
            (
                "k:\n  - item1\n  - item2\ninvalid_yaml: }",
                4,
                "while parsing a node, did not find expected node content",
            ),
            (
                "---\na: 1\n---\nb: 2",
                3,
                "expected a single document in the stream",
            ),
            ("a: *x", 1, "while parsing node, found unknown anchor"),
            ("a: &x [*x]", 1, "found a recursive alias"),
            (
                "{a: 1",
                2,
                "while parsing a flow mapping, did not find expected ',' or '}'",
            ),
            (
                "a: b: c",
                1,
                "mapping values are not allowed in this context",
            ),
            (
                "a:\n  <<: 5",
                2,
                "while constructing a mapping, expected a mapping or list of mappings for merging, but found scalar",
            ),
            (
                "a:\n  <<: [5]",
                2,
                "while constructing a mapping, expected a mapping for merging, but found scalar",
            ),
            (
                "a: !!map [1]",
                1,
                "expected a mapping node, but found sequence",
            ),
            ("a: !!int 08", 1, "the value cannot be read as !!int"),
            ("a: !!int 1e3", 1, "the value cannot be read as !!int"),
            ("a: !!int 0b_", 1, "the value cannot be read as !!int"),
            (
                "b: 1\na: 170141183460469231731687303715884105728",
                2,
                "the integer is too large (integers are limited to 128 bits)",
            ),
            (
                "a: 0x800000000000000000000000000000000",
                1,
                "the integer is too large",
            ),
            (
                "a: 9999999999999999999999999999999999999:0:0",
                1,
                "the integer is too large",
            ),
            (
                "a: !!int 1:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0",
                1,
                "the integer is too large",
            ),
            (
                "a: !!int -0x-80000000000000000000000000000000",
                1,
                "the integer is too large",
            ),
            ("a: !!float abc", 1, "the value cannot be read as !!float"),
            ("a: !!bool maybe", 1, "the value cannot be read as !!bool"),
            (
                "a: !!timestamp hello",
                1,
                "the value cannot be read as !!timestamp",
            ),
            (
                "a: !!binary aGVsbG8=",
                1,
                "the !!binary tag is not supported",
            ),
            ("a: !!set {x}", 1, "the !!set tag is not supported"),
            (
                "a: \"\\ud800\"",
                1,
                "while parsing a quoted scalar, found invalid Unicode character escape code",
            ),
        ];
        for (doc, line, message) in cases {
            let err = safe_load(doc).expect_err(doc);
            assert_eq!(err.line, Some(line), "{doc:?}: {err}");
            assert!(err.message.starts_with(message), "{doc:?}: {err}");
        }
    }

    #[test]
    fn error_columns_are_one_based() {
        let err = safe_load("k:\n  - item1\n  - item2\ninvalid_yaml: }").unwrap_err();
        // PyYAML: `in "<unicode string>", line 4, column 15`.
        assert_eq!((err.line, err.column), (Some(4), Some(15)), "{err}");
        assert!(!err.message.contains("column"), "{err}");
    }

    #[test]
    fn alias_bombs_and_deep_nesting_are_refused() {
        let mut doc = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = format!("*a{}", i - 1);
            doc.push_str(&format!("a{i}: &a{i} [{}]\n", vec![prev; 10].join(", ")));
        }
        assert!(
            safe_load(&doc)
                .unwrap_err()
                .message
                .starts_with("aliases expand to more than")
        );
        let deep = format!("a: {}", "[".repeat(MAX_NESTING_DEPTH + 5));
        assert!(safe_load(&deep).is_err());
    }
}
