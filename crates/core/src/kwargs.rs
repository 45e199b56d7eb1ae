//! Turning Airflow's `backend_kwargs` JSON object into a provider's typed kwargs struct.
//!
//! Each provider declares a `serde` struct with Airflow's defaults (`#[serde(default = ...)]`; an
//! `Option` field distinguishes JSON `null`, which disables a lookup, from a missing key, which takes the
//! default). [`parse_kwargs`] rejects unknown keys with the list of accepted ones, and reports type
//! errors by kwarg name without echoing the value (a misplaced password must not end up in a log).
//!
//! Values may arrive as strings even when a number or boolean is meant: Airflow's per-key overrides
//! `AIRFLOW__SECRETS__BACKEND_KWARG__<KEY>` are raw strings. The [`de`] helpers accept both.

use serde::de::{DeserializeOwned, Visitor};
use serde_json::{Map, Value};

use crate::Error;

/// The kwargs JSON object, keys in their original order.
pub type Kwargs = Map<String, Value>;

/// Deserializes `kwargs` into `T`, naming `backend` in every error.
///
/// * a key that is not a field of `T` gives [`Error::UnknownKwarg`] with the accepted keys;
/// * a value of the wrong type gives [`Error::InvalidKwarg`] naming the key and the expected type.
///
/// ```
/// use airflow_secrets_core::kwargs::{parse_kwargs, Kwargs};
/// #[derive(Debug, serde::Deserialize)]
/// struct MyKwargs { #[serde(default)] url: Option<String> }
///
/// let kwargs: Kwargs = serde_json::from_str(r#"{"urll": "x"}"#).unwrap();
/// let err = parse_kwargs::<MyKwargs>("MyBackend", &kwargs).unwrap_err();
/// assert_eq!(err.to_string(), "MyBackend: unknown kwarg `urll`; accepted kwargs are: url");
/// ```
pub fn parse_kwargs<T: DeserializeOwned>(
    backend: &'static str,
    kwargs: &Kwargs,
) -> Result<T, Error> {
    if let Some(fields) = field_names::<T>()
        && let Some(unknown) = kwargs.keys().find(|k| !fields.contains(&k.as_str()))
    {
        return Err(Error::UnknownKwarg {
            backend,
            kwarg: unknown.clone(),
            accepted: if fields.is_empty() {
                "none (this backend takes no kwargs)".into()
            } else {
                fields.join(", ")
            },
        });
    }
    let value = Value::Object(kwargs.clone());
    serde_path_to_error::deserialize(value).map_err(|e| {
        let kwarg = e.path().to_string();
        Error::InvalidKwarg {
            backend,
            kwarg: if kwarg == "." {
                "(kwargs)".into()
            } else {
                kwarg
            },
            problem: crate::provider::redact::serde_message(&e.inner().to_string()),
        }
    })
}

/// The field names of a `#[derive(Deserialize)]` struct, found by asking its `Deserialize` impl (serde
/// passes them to `deserialize_struct`). `None` for types that are not plain structs.
pub fn field_names<T: DeserializeOwned>() -> Option<&'static [&'static str]> {
    struct Capture(Option<&'static [&'static str]>);

    #[derive(Debug)]
    struct Stop;
    impl std::fmt::Display for Stop {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("field capture")
        }
    }
    impl std::error::Error for Stop {}
    impl serde::de::Error for Stop {
        fn custom<M: std::fmt::Display>(_: M) -> Self {
            Stop
        }
    }

    impl<'de> serde::de::Deserializer<'de> for &mut Capture {
        type Error = Stop;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
            Err(Stop)
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Stop> {
            self.0 = Some(fields);
            Err(Stop)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
            unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }

    let mut capture = Capture(None);
    let _ = T::deserialize(&mut capture);
    capture.0
}

/// `serde(deserialize_with = ...)` helpers that accept a native JSON value or its string spelling.
pub mod de {
    use std::fmt;
    use std::str::FromStr;

    use serde::Deserialize;
    use serde::de::{self, Deserializer, Visitor};

    /// A boolean given as `true`/`false` or as a string (`"true"`, `"False"`, `"1"`, `"0"`, `"yes"`, `"no"`).
    pub fn bool_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = bool;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a boolean (true/false, or the string \"true\"/\"false\")")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
                Ok(v)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
                match v.trim().to_ascii_lowercase().as_str() {
                    "true" | "1" | "yes" | "on" => Ok(true),
                    "false" | "0" | "no" | "off" | "" => Ok(false),
                    _ => Err(E::custom(
                        "expected a boolean (true/false, or the string \"true\"/\"false\")",
                    )),
                }
            }
        }
        d.deserialize_any(V)
    }

    /// Like [`bool_lenient`], for an optional field (`null` gives `None`).
    pub fn opt_bool_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        #[derive(serde::Deserialize)]
        struct W(#[serde(deserialize_with = "bool_lenient")] bool);
        Ok(Option::<W>::deserialize(d)?.map(|w| w.0))
    }

    /// A number given as a JSON number or as a string holding one (`30`, `"30"`, `2.5`, `"2.5"`).
    pub fn number_lenient<'de, D: Deserializer<'de>, T: LenientNumber>(
        d: D,
    ) -> Result<T, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<T: LenientNumber> Visitor<'_> for V<T> {
            type Value = T;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number (or a string holding one)")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
                T::from_u64(v).ok_or_else(|| E::custom("expected a number in range"))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
                T::from_i64(v).ok_or_else(|| E::custom("expected a number in range"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
                T::from_f64(v).ok_or_else(|| E::custom("expected an integer in range"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
                v.trim()
                    .parse()
                    .map_err(|_| E::custom("expected a number (or a string holding one)"))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }

    /// Like [`number_lenient`], for an optional field (`null` gives `None`).
    pub fn opt_number_lenient<'de, D: Deserializer<'de>, T: LenientNumber>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        struct W<T>(T);
        impl<'de, T: LenientNumber> Deserialize<'de> for W<T> {
            fn deserialize<D2: Deserializer<'de>>(d: D2) -> Result<Self, D2::Error> {
                number_lenient(d).map(W)
            }
        }
        Ok(Option::<W<T>>::deserialize(d)?.map(|w| w.0))
    }

    /// Numbers [`number_lenient`] can produce. Integer types accept only integral, in-range values.
    pub trait LenientNumber: FromStr + Sized {
        /// From a JSON unsigned integer.
        fn from_u64(v: u64) -> Option<Self>;
        /// From a JSON negative integer.
        fn from_i64(v: i64) -> Option<Self>;
        /// From a JSON float.
        fn from_f64(v: f64) -> Option<Self>;
    }

    impl LenientNumber for f64 {
        fn from_u64(v: u64) -> Option<Self> {
            Some(v as f64)
        }
        fn from_i64(v: i64) -> Option<Self> {
            Some(v as f64)
        }
        fn from_f64(v: f64) -> Option<Self> {
            Some(v)
        }
    }

    macro_rules! lenient_int {
        ($($t:ty),*) => {$(
            impl LenientNumber for $t {
                fn from_u64(v: u64) -> Option<Self> {
                    <$t>::try_from(v).ok()
                }
                fn from_i64(v: i64) -> Option<Self> {
                    <$t>::try_from(v).ok()
                }
                fn from_f64(v: f64) -> Option<Self> {
                    (v.fract() == 0.0 && v >= <$t>::MIN as f64 && v <= <$t>::MAX as f64).then(|| v as $t)
                }
            }
        )*};
    }
    lenient_int!(u8, u16, u32, u64, i32, i64, usize);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    fn default_path() -> Option<String> {
        Some("connections".into())
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Example {
        #[serde(default = "default_path")]
        connections_path: Option<String>,
        #[serde(default, deserialize_with = "de::opt_number_lenient")]
        timeout: Option<f64>,
        #[serde(default, deserialize_with = "de::opt_bool_lenient")]
        verify: Option<bool>,
        #[serde(default, deserialize_with = "de::opt_number_lenient")]
        kv_engine_version: Option<u8>,
    }

    fn parse(v: serde_json::Value) -> Result<Example, Error> {
        parse_kwargs("Example", v.as_object().unwrap())
    }

    #[test]
    fn null_and_missing_differ() {
        assert_eq!(
            parse(json!({})).unwrap().connections_path.as_deref(),
            Some("connections")
        );
        assert_eq!(
            parse(json!({"connections_path": null}))
                .unwrap()
                .connections_path,
            None
        );
    }

    #[test]
    fn strings_are_accepted_for_numbers_and_bools() {
        let e =
            parse(json!({"timeout": "2.5", "verify": "False", "kv_engine_version": "1"})).unwrap();
        assert_eq!(
            (e.timeout, e.verify, e.kv_engine_version),
            (Some(2.5), Some(false), Some(1))
        );
        let e = parse(json!({"timeout": 3, "verify": true, "kv_engine_version": 2})).unwrap();
        assert_eq!(
            (e.timeout, e.verify, e.kv_engine_version),
            (Some(3.0), Some(true), Some(2))
        );
    }

    #[test]
    fn unknown_kwarg_lists_accepted_ones() {
        let err = parse(json!({"configs_path": "x"})).unwrap_err().to_string();
        assert_eq!(
            err,
            "Example: unknown kwarg `configs_path`; accepted kwargs are: connections_path, timeout, verify, kv_engine_version"
        );
    }

    #[test]
    fn a_value_containing_serdes_separator_is_not_shown() {
        // Property-test finding: serde writes `invalid type: string "<value>", expected <what>`, and
        // the value may itself contain `, expected `.
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct K {
            #[serde(default)]
            scopes: Option<Vec<String>>,
            #[serde(default)]
            mode: Option<Mode>,
        }
        #[derive(Debug, Deserialize)]
        #[serde(rename_all = "lowercase")]
        enum Mode {
            Token,
        }
        for v in [
            json!({"scopes": "a, expected s3cr3t-value"}),
            json!({"mode": "a, expected s3cr3t-value"}),
        ] {
            let err = parse_kwargs::<K>("K", v.as_object().unwrap())
                .unwrap_err()
                .to_string();
            assert!(err.contains("expected") && !err.contains("s3cr3t"), "{err}");
        }
    }

    #[test]
    fn type_errors_name_the_kwarg_but_not_the_value() {
        let err = parse(json!({"connections_path": ["s3cr3t-value"]}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("kwarg `connections_path`"), "{err}");
        assert!(!err.contains("s3cr3t"), "{err}");
        let err = parse(json!({"verify": "s3cr3t-value"}))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("kwarg `verify`") && !err.contains("s3cr3t"),
            "{err}"
        );
        let err = parse(json!({"kv_engine_version": 700}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("kwarg `kv_engine_version`"), "{err}");
    }
}
