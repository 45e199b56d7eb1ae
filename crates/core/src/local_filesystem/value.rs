//! The Python objects that `json.loads` and `yaml.safe_load` produce, as far as Airflow's
//! `LocalFilesystemBackend` can see them.
//!
//! Airflow works on whatever the loader returns: dicts keep insertion order, a repeated key keeps its
//! first position and takes the last value, `1`, `1.0` and `True` are the same dict key, floats can be
//! `nan`/`inf` (YAML `.nan`, `.inf`). [`PyValue`] models exactly that, so the backend can answer as
//! Airflow does, and [`PyValue::dumps`] writes it back as Python's `json.dumps` would.
//!
//! One limit: Python ints have arbitrary precision, ours are `i128` (about 1.7e38, 39 digits). JSON
//! integers are limited further by `serde_json` (see `json_file`); a YAML integer beyond `i128` is a
//! parse error (see `yaml_file`).

use indexmap::IndexMap;

use crate::pyjson::{self, python_float_repr};

/// A value as Python sees it after `json.loads` / `yaml.safe_load`.
///
/// Clone, drop, `Debug` and [`dumps`](Self::dumps) recurse: the parsers never build a value nested
/// deeper than [`MAX_NESTING_DEPTH`](super::MAX_NESTING_DEPTH), which keeps them far within any
/// thread's stack.
#[derive(Debug, Clone)]
pub(crate) enum PyValue {
    /// `None`.
    None,
    /// `True` / `False`.
    Bool(bool),
    /// An `int` (limited to `i128`).
    Int(i128),
    /// A `float` (may be `nan` or `inf`).
    Float(f64),
    /// A `str`.
    Str(String),
    /// A `list`.
    List(Vec<PyValue>),
    /// A `dict` (boxed, which keeps every value at 32 bytes).
    Dict(Box<PyDict>),
}

impl PyValue {
    /// Python's `type(value).__name__`.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            PyValue::None => "NoneType",
            PyValue::Bool(_) => "bool",
            PyValue::Int(_) => "int",
            PyValue::Float(_) => "float",
            PyValue::Str(_) => "str",
            PyValue::List(_) => "list",
            PyValue::Dict(_) => "dict",
        }
    }

    /// Python truthiness (`bool(value)`).
    pub(crate) fn is_truthy(&self) -> bool {
        match self {
            PyValue::None => false,
            PyValue::Bool(b) => *b,
            PyValue::Int(i) => *i != 0,
            PyValue::Float(f) => *f != 0.0, // NaN is truthy in Python, and NaN != 0.0
            PyValue::Str(s) => !s.is_empty(),
            PyValue::List(l) => !l.is_empty(),
            PyValue::Dict(d) => !d.is_empty(),
        }
    }

    /// Python's `str(value)` for scalars (except that a non-finite float is spelled as `json.dumps`
    /// spells it, `NaN` / `Infinity`, where `str()` gives `nan` / `inf`); `None` for lists and dicts
    /// (whose `str()` is a Python repr nobody wants as a host or password).
    pub(crate) fn scalar_str(&self) -> Option<String> {
        match self {
            PyValue::None => Some("None".into()),
            PyValue::Bool(true) => Some("True".into()),
            PyValue::Bool(false) => Some("False".into()),
            PyValue::Int(i) => Some(i.to_string()),
            PyValue::Float(f) => Some(python_float_repr(*f)),
            PyValue::Str(s) => Some(s.clone()),
            PyValue::List(_) | PyValue::Dict(_) => None,
        }
    }

    /// `json.dumps(value)` with Python's default arguments (`", "` / `": "` separators, ASCII-only
    /// output, `NaN` / `Infinity` allowed, non-string dict keys converted as Python converts them).
    /// A small writer rather than `pyjson::dumps` of a `serde_json::Value`, which cannot hold NaN or
    /// infinities; strings and floats are written by `pyjson`.
    pub(crate) fn dumps(&self) -> String {
        let mut out = String::new();
        self.dumps_into(&mut out);
        out
    }

    fn dumps_into(&self, out: &mut String) {
        match self {
            PyValue::List(items) => {
                out.push('[');
                for (n, item) in items.iter().enumerate() {
                    if n > 0 {
                        out.push_str(", ");
                    }
                    item.dumps_into(out);
                }
                out.push(']');
            }
            PyValue::Dict(dict) => {
                out.push('{');
                for (n, (key, value)) in dict.iter().enumerate() {
                    if n > 0 {
                        out.push_str(", ");
                    }
                    // `json.dumps` writes a non-string key as the JSON of its value, in quotes.
                    match key {
                        PyValue::Str(s) => out.push_str(&pyjson::dumps(s)),
                        other => out.push_str(&pyjson::dumps(&other.dumps())),
                    }
                    out.push_str(": ");
                    value.dumps_into(out);
                }
                out.push('}');
            }
            PyValue::None => out.push_str("null"),
            PyValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            PyValue::Int(i) => out.push_str(&i.to_string()),
            PyValue::Float(f) => out.push_str(&python_float_repr(*f)),
            PyValue::Str(s) => out.push_str(&pyjson::dumps(s)),
        }
    }
}

// Lists of millions of values are possible (up to `MAX_NODES`): keep each value small.
const _: () = assert!(std::mem::size_of::<PyValue>() == 32);

/// Python `dict` equality for keys: `1 == 1.0 == True`, `0 == 0.0 == -0.0 == False`, every NaN object
/// distinct, strings by value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum KeyId {
    None,
    Str(String),
    /// Any number with an integral value (in `i128` range).
    Int(i128),
    /// A non-integral finite float, or an infinity, by its bits.
    Float(u64),
    /// A NaN: never equal to another key.
    NaN(usize),
}

/// Why a value cannot be a dict key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unhashable;

/// A Python `dict`: insertion order, a repeated key keeps its first position (and first key object)
/// and takes the last value.
#[derive(Debug, Clone, Default)]
pub(crate) struct PyDict {
    entries: IndexMap<KeyId, (PyValue, PyValue)>,
    nan_keys: usize,
}

impl PyDict {
    fn key_id(&mut self, key: &PyValue) -> Result<KeyId, Unhashable> {
        Ok(match key {
            PyValue::None => KeyId::None,
            PyValue::Str(s) => KeyId::Str(s.clone()),
            PyValue::Bool(b) => KeyId::Int(i128::from(*b)),
            PyValue::Int(i) => KeyId::Int(*i),
            PyValue::Float(f) if f.is_nan() => {
                self.nan_keys += 1;
                KeyId::NaN(self.nan_keys)
            }
            // An integral float below 2^127 in size converts exactly (`-0.0` to `0`); a larger one
            // cannot equal an `i128`.
            PyValue::Float(f) if f.fract() == 0.0 && f.abs() < 2f64.powi(127) => {
                KeyId::Int(*f as i128)
            }
            PyValue::Float(f) => KeyId::Float(f.to_bits()),
            PyValue::List(_) | PyValue::Dict(_) => return Err(Unhashable),
        })
    }

    /// `d[key] = value`.
    pub(crate) fn insert(&mut self, key: PyValue, value: PyValue) -> Result<(), Unhashable> {
        let id = self.key_id(&key)?;
        match self.entries.get_mut(&id) {
            Some(entry) => entry.1 = value,
            None => {
                self.entries.insert(id, (key, value));
            }
        }
        Ok(())
    }

    /// `d.get(key)` for a string key (a string never equals a number, so only string keys match).
    pub(crate) fn get_str(&self, key: &str) -> Option<&PyValue> {
        self.entries
            .get(&KeyId::Str(key.to_owned()))
            .map(|(_, v)| v)
    }

    /// `(key, value)` pairs in insertion order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&PyValue, &PyValue)> {
        self.entries.values().map(|(k, v)| (k, v))
    }

    /// Consumes the dict into its pairs, in insertion order.
    pub(crate) fn into_pairs(self) -> impl Iterator<Item = (PyValue, PyValue)> {
        self.entries.into_values()
    }

    /// `len(d)`.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// `not d`.
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> PyValue {
        PyValue::Str(v.into())
    }

    fn int(v: i128) -> PyValue {
        PyValue::Int(v)
    }

    #[test]
    fn dict_keeps_first_position_and_last_value() {
        let mut d = PyDict::default();
        d.insert(s("a"), int(1)).unwrap();
        d.insert(s("b"), int(2)).unwrap();
        d.insert(s("a"), int(3)).unwrap();
        assert_eq!(PyValue::Dict(Box::new(d)).dumps(), r#"{"a": 3, "b": 2}"#);
    }

    #[test]
    fn numeric_keys_compare_like_python() {
        // yaml.safe_load("1: x\n'1': y\ntrue: z\n1.0: w") == {1: 'w', '1': 'y'}
        let mut d = PyDict::default();
        d.insert(int(1), s("x")).unwrap();
        d.insert(s("1"), s("y")).unwrap();
        d.insert(PyValue::Bool(true), s("z")).unwrap();
        d.insert(PyValue::Float(1.0), s("w")).unwrap();
        assert_eq!(d.len(), 2);
        assert_eq!(
            PyValue::Dict(Box::new(d.clone())).dumps(),
            r#"{"1": "w", "1": "y"}"#
        );
        assert_eq!(
            d.get_str("1").map(PyValue::dumps).as_deref(),
            Some(r#""y""#)
        );
        // NaN keys never collide.
        d.insert(PyValue::Float(f64::NAN), s("n1")).unwrap();
        d.insert(PyValue::Float(f64::NAN), s("n2")).unwrap();
        assert_eq!(d.len(), 4);
        assert_eq!(d.insert(PyValue::List(vec![]), s("x")), Err(Unhashable));
    }

    #[test]
    fn dumps_matches_python() {
        let mut inner = PyDict::default();
        inner
            .insert(PyValue::None, PyValue::Float(f64::NAN))
            .unwrap();
        inner
            .insert(PyValue::Bool(false), PyValue::Float(f64::NEG_INFINITY))
            .unwrap();
        inner
            .insert(PyValue::Float(0.5), PyValue::Float(1e16))
            .unwrap();
        let v = PyValue::List(vec![
            PyValue::Dict(Box::new(inner)),
            s("é\n"),
            int(-0),
            PyValue::Float(100.0),
        ]);
        assert_eq!(
            v.dumps(),
            r#"[{"null": NaN, "false": -Infinity, "0.5": 1e+16}, "\u00e9\n", 0, 100.0]"#
        );
    }

    #[test]
    fn integral_floats_and_ints_are_the_same_key() {
        let mut d = PyDict::default();
        d.insert(int(-3), s("a")).unwrap();
        d.insert(PyValue::Float(-3.0), s("b")).unwrap();
        d.insert(PyValue::Float(-0.0), s("c")).unwrap();
        d.insert(PyValue::Bool(false), s("d")).unwrap();
        d.insert(int(i128::MAX), s("e")).unwrap();
        d.insert(PyValue::Float(2f64.powi(127)), s("f")).unwrap();
        d.insert(PyValue::Float(f64::INFINITY), s("g")).unwrap();
        d.insert(PyValue::Float(2.5), s("h")).unwrap();
        assert_eq!(
            PyValue::Dict(Box::new(d)).dumps(),
            r#"{"-3": "b", "-0.0": "d", "170141183460469231731687303715884105727": "e", "1.7014118346046923e+38": "f", "Infinity": "g", "2.5": "h"}"#
        );
    }

    #[test]
    fn truthiness_and_str() {
        assert!(!PyValue::Float(0.0).is_truthy());
        assert!(PyValue::Float(f64::NAN).is_truthy());
        assert!(!int(0).is_truthy());
        assert!(!PyValue::Dict(Box::default()).is_truthy());
        assert_eq!(
            PyValue::Float(f64::INFINITY).scalar_str().unwrap(),
            "Infinity"
        );
        assert_eq!(int(-12).scalar_str().unwrap(), "-12");
        assert_eq!(PyValue::Bool(true).scalar_str().unwrap(), "True");
        assert_eq!(PyValue::Float(1.0).scalar_str().unwrap(), "1.0");
        assert!(PyValue::List(vec![]).scalar_str().is_none());
    }
}
