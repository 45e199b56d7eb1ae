//! Backends a service registers under its own class paths ([`SecretsBuilder::register`]), selected by
//! `AIRFLOW__SECRETS__BACKEND` like the built-in ones. The registrations live in the builder: there is
//! no global registry to mutate.

use std::fmt;
use std::sync::Arc;

use airflow_secrets_core::kwargs::Kwargs;
use airflow_secrets_core::{Error, SecretsBackend};

use crate::build_context::BuildContext;
use crate::registry::build_backend;
use crate::resolver::SecretsBuilder;

type Factory =
    dyn Fn(&Kwargs, &BuildContext<'_>) -> Result<Arc<dyn SecretsBackend>, Error> + Send + Sync;

/// The class paths registered on one builder, with their factories.
#[derive(Default, Clone)]
pub(crate) struct Registrations {
    entries: Vec<(String, Arc<Factory>)>,
}

impl fmt::Debug for Registrations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.class_paths()).finish()
    }
}

impl Registrations {
    /// The registered class paths, in registration order.
    pub(crate) fn class_paths(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(path, _)| path.as_str())
    }

    /// The backend for `class_path`: a registered factory first, then the built-in table. An unknown
    /// path's error lists the registered paths too.
    pub(crate) fn build(
        &self,
        class_path: &str,
        kwargs: &Kwargs,
        context: &BuildContext<'_>,
    ) -> Result<Arc<dyn SecretsBackend>, Error> {
        let wanted = class_path.trim();
        if let Some((_, factory)) = self.entries.iter().find(|(path, _)| path == wanted) {
            return factory(kwargs, context);
        }
        build_backend(class_path, kwargs, context).map_err(|e| match e {
            Error::UnknownClassPath { class_path, known } if !self.entries.is_empty() => {
                Error::UnknownClassPath {
                    class_path,
                    known: format!(
                        "{known}, and the ones registered by this program: {}",
                        self.class_paths().collect::<Vec<_>>().join(", ")
                    ),
                }
            }
            other => other,
        })
    }
}

impl SecretsBuilder {
    /// Registers your own backend under its own class path (an in-house store, or your subclass of a
    /// provider backend, as named in `AIRFLOW__SECRETS__BACKEND`).
    ///
    /// When the configured (or [`backend`](Self::backend)-given) class path is `class_path`, `factory`
    /// builds the custom backend from the kwargs JSON object (`AIRFLOW__SECRETS__BACKEND_KWARGS`, with
    /// the per-key overrides applied) and the build context; the backend takes the custom backend's
    /// place in the chain, before the environment variables. Parse the kwargs with
    /// [`parse_kwargs`](airflow_secrets_core::kwargs::parse_kwargs) for the built-in backends'
    /// discipline (unknown kwargs and wrong types are errors naming the kwarg, never its value).
    /// A registration wins over a built-in class path of the same name; registering a path again
    /// replaces the earlier factory. Surrounding whitespace in `class_path` is ignored.
    ///
    /// ```
    /// use airflow_secrets::{async_trait, Error, SecretKind, SecretValue, SecretsBackend, Secrets};
    /// use airflow_secrets::core::kwargs::parse_kwargs;
    ///
    /// #[derive(Debug, serde::Deserialize)]
    /// #[serde(deny_unknown_fields)]
    /// struct InHouseKwargs { prefix: String }
    ///
    /// #[derive(Debug)]
    /// struct InHouse { prefix: String }
    ///
    /// #[async_trait]
    /// impl SecretsBackend for InHouse {
    ///     fn name(&self) -> &'static str { "InHouse" }
    ///     async fn get(&self, _: SecretKind, key: &str) -> Result<Option<SecretValue>, Error> {
    ///         Ok(Some(SecretValue::new(format!("{}{key}", self.prefix))))
    ///     }
    /// }
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let secrets = Secrets::builder()
    ///     .register("acme.secrets.InHouseBackend", |kwargs, _context| {
    ///         let k: InHouseKwargs = parse_kwargs("InHouse", kwargs)?;
    ///         Ok(InHouse { prefix: k.prefix })
    ///     })
    ///     .backend_with_json("acme.secrets.InHouseBackend", r#"{"prefix": "v-"}"#)?
    ///     .build()
    ///     .await?;
    /// assert_eq!(secrets.variable("x").await?.unwrap().expose(), "v-x");
    /// assert_eq!(secrets.backends()[0].name(), "InHouse");
    /// # Ok::<(), Error>(()) }).unwrap();
    /// ```
    pub fn register<B, F>(mut self, class_path: impl Into<String>, factory: F) -> Self
    where
        B: SecretsBackend + 'static,
        F: Fn(&Kwargs, &BuildContext<'_>) -> Result<B, Error> + Send + Sync + 'static,
    {
        let class_path = class_path.into().trim().to_owned();
        let factory: Arc<Factory> = Arc::new(move |kwargs: &Kwargs, context: &BuildContext<'_>| {
            factory(kwargs, context).map(|b| Arc::new(b) as Arc<dyn SecretsBackend>)
        });
        let entries = &mut self.registrations.entries;
        entries.retain(|(path, _)| *path != class_path);
        entries.push((class_path, factory));
        self
    }

    /// The class paths registered with [`register`](Self::register), in registration order (for a
    /// service's own `backends` listing).
    pub fn registered_class_paths(&self) -> impl Iterator<Item = &str> {
        self.registrations.class_paths()
    }
}
