//! A blocking [`Secrets`]: the async API for programs without an async runtime (CLIs, build scripts,
//! sync web frameworks, plain `#[test]`s), in the manner of `reqwest::blocking`.
//!
//! Each [`Secrets`] owns a current-thread tokio runtime driven by one background thread (as reqwest's
//! blocking client does): the calling thread waits on the lookup while that thread runs the I/O, the
//! timers and background work such as cache refreshes. Calling it from inside an async runtime would
//! stall that runtime, so every call checks first and returns [`Error::Blocking`] instead of panicking.
//!
//! ```no_run
//! fn main() -> Result<(), airflow_secrets::Error> {
//!     let secrets = airflow_secrets::blocking::Secrets::from_env()?;
//!     if let Some(v) = secrets.variable("my_var")? {
//!         println!("My variable is: {}", v.expose());
//!     }
//!     Ok(())
//! }
//! ```

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use airflow_secrets_core::kwargs::Kwargs;
use airflow_secrets_core::{
    Connection, ConnectionFlavor, EnvironmentVariablesBackend, Error, SecretValue, SecretsBackend,
};
use serde::de::DeserializeOwned;
use tokio::runtime::Handle;
use tokio::sync::oneshot;

use crate::cache::CacheSettings;

/// The full name of a method of [`Secrets`], for [`Error::Blocking`].
macro_rules! method {
    ($name:ident) => {
        concat!("airflow_secrets::blocking::Secrets::", stringify!($name))
    };
}
use crate::config::AirflowConfig;
use crate::resolver::{ErrorPolicy, Lookup};
use crate::settings::{ProcessContext, SecretsSettings};

/// The blocking twin of [`crate::Secrets`]: the same lookups, each waiting for its answer.
///
/// `Send + Sync`: share one per process (in an `Arc`), as with the async one.
pub struct Secrets {
    // Dropped first: the chain (and its clients) go before the runtime they were built on.
    inner: crate::Secrets,
    driver: Driver,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::Secrets")
            .field(&self.inner)
            .finish()
    }
}

impl Secrets {
    /// [`crate::Secrets::from_env`], blocking.
    pub fn from_env() -> Result<Secrets, Error> {
        Secrets::builder()
            .config(AirflowConfig::from_env()?)
            .build()
    }

    /// A builder with the options of [`crate::SecretsBuilder`].
    pub fn builder() -> SecretsBuilder {
        SecretsBuilder::from(crate::Secrets::builder())
    }

    /// [`crate::Secrets::variable`], blocking.
    pub fn variable(&self, key: &str) -> Result<Option<SecretValue>, Error> {
        self.wait(method!(variable), self.inner.variable(key))?
    }

    /// [`crate::Secrets::variable_json`], blocking.
    pub fn variable_json<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, Error> {
        self.wait(method!(variable_json), self.inner.variable_json(key))?
    }

    /// [`crate::Secrets::connection`], blocking.
    pub fn connection(&self, conn_id: &str) -> Result<Connection, Error> {
        self.wait(method!(connection), self.inner.connection(conn_id))?
    }

    /// [`crate::Secrets::config`], blocking.
    pub fn config(&self, key: &str) -> Result<Option<SecretValue>, Error> {
        self.wait(method!(config), self.inner.config(key))?
    }

    /// [`crate::Secrets::variable_lookup`], blocking.
    pub fn variable_lookup(&self, key: &str) -> Result<Lookup<SecretValue>, Error> {
        self.wait(method!(variable_lookup), self.inner.variable_lookup(key))?
    }

    /// [`crate::Secrets::connection_lookup`], blocking.
    pub fn connection_lookup(&self, conn_id: &str) -> Result<Lookup<Connection>, Error> {
        self.wait(
            method!(connection_lookup),
            self.inner.connection_lookup(conn_id),
        )?
    }

    /// [`crate::Secrets::invalidate_variable`], blocking.
    pub fn invalidate_variable(&self, key: &str) -> Result<(), Error> {
        self.wait(
            method!(invalidate_variable),
            self.inner.invalidate_variable(key),
        )
    }

    /// [`crate::Secrets::invalidate_connection`], blocking.
    pub fn invalidate_connection(&self, conn_id: &str) -> Result<(), Error> {
        self.wait(
            method!(invalidate_connection),
            self.inner.invalidate_connection(conn_id),
        )
    }

    /// [`crate::Secrets::invalidate_config`], blocking.
    pub fn invalidate_config(&self, key: &str) -> Result<(), Error> {
        self.wait(
            method!(invalidate_config),
            self.inner.invalidate_config(key),
        )
    }

    /// [`crate::Secrets::clear_cache`] (never blocks).
    pub fn clear_cache(&self) {
        self.inner.clear_cache();
    }

    /// The backends in lookup order.
    pub fn backends(&self) -> &[Arc<dyn SecretsBackend>] {
        self.inner.backends()
    }

    /// The custom backend, if one is configured.
    pub fn custom_backend(&self) -> Option<&Arc<dyn SecretsBackend>> {
        self.inner.custom_backend()
    }

    /// The settings read from Airflow's configuration.
    pub fn settings(&self) -> Option<&SecretsSettings> {
        self.inner.settings()
    }

    /// The team lookups are made for ([`crate::Secrets::team`]).
    pub fn team(&self) -> Option<&str> {
        self.inner.team()
    }

    /// The cache settings in use, or `None` when caching is off.
    pub fn cache_settings(&self) -> Option<&CacheSettings> {
        self.inner.cache_settings()
    }

    /// `future`'s output, waited for on this client's runtime; [`Error::Blocking`] inside a runtime.
    fn wait<F: Future>(&self, call: &'static str, future: F) -> Result<F::Output, Error> {
        refuse_inside_runtime(call)?;
        Ok(self.driver.handle.block_on(future))
    }
}

/// The blocking twin of [`crate::SecretsBuilder`]. Options this type does not forward can be set on
/// an async builder and converted with `From`.
pub struct SecretsBuilder {
    inner: crate::SecretsBuilder,
}

impl fmt::Debug for SecretsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("blocking::SecretsBuilder")
            .finish_non_exhaustive()
    }
}

impl From<crate::SecretsBuilder> for SecretsBuilder {
    fn from(inner: crate::SecretsBuilder) -> SecretsBuilder {
        SecretsBuilder { inner }
    }
}

/// Forwards builder options to the async builder, documented there.
macro_rules! forward {
    ($($(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*);)*) => {
        $(
            $(#[$doc])*
            pub fn $name(self, $($arg: $ty),*) -> Self {
                SecretsBuilder { inner: self.inner.$name($($arg),*) }
            }
        )*
    };
}

impl SecretsBuilder {
    forward! {
        /// [`crate::SecretsBuilder::config`].
        fn config(config: AirflowConfig);
        /// [`crate::SecretsBuilder::settings`].
        fn settings(settings: SecretsSettings);
        /// [`crate::SecretsBuilder::context`].
        fn context(context: ProcessContext);
        /// [`crate::SecretsBuilder::custom_backend`].
        fn custom_backend(backend: Arc<dyn SecretsBackend>);
        /// [`crate::SecretsBuilder::environment`].
        fn environment(backend: EnvironmentVariablesBackend);
        /// [`crate::SecretsBuilder::error_policy`].
        fn error_policy(policy: ErrorPolicy);
        /// [`crate::SecretsBuilder::connection_flavor`].
        fn connection_flavor(flavor: ConnectionFlavor);
        /// [`crate::SecretsBuilder::cache`].
        fn cache(settings: CacheSettings);
        /// [`crate::SecretsBuilder::no_cache`].
        fn no_cache();
        /// [`crate::SecretsBuilder::multi_team`].
        fn multi_team(multi_team: bool);
    }

    /// [`crate::SecretsBuilder::team`].
    pub fn team(self, team: impl Into<String>) -> Self {
        SecretsBuilder {
            inner: self.inner.team(team),
        }
    }

    /// [`crate::SecretsBuilder::backend`].
    pub fn backend(self, class_path: impl Into<String>, kwargs: Kwargs) -> Self {
        SecretsBuilder {
            inner: self.inner.backend(class_path, kwargs),
        }
    }

    /// [`crate::SecretsBuilder::backend_with_json`].
    pub fn backend_with_json(
        self,
        class_path: impl Into<String>,
        kwargs_json: &str,
    ) -> Result<Self, Error> {
        Ok(SecretsBuilder {
            inner: self.inner.backend_with_json(class_path, kwargs_json)?,
        })
    }

    /// [`crate::SecretsBuilder::register`].
    pub fn register<B, F>(self, class_path: impl Into<String>, factory: F) -> Self
    where
        B: SecretsBackend + 'static,
        F: Fn(&Kwargs, &crate::BuildContext<'_>) -> Result<B, Error> + Send + Sync + 'static,
    {
        SecretsBuilder {
            inner: self.inner.register(class_path, factory),
        }
    }

    /// Starts the runtime and builds the chain ([`crate::SecretsBuilder::build`]).
    pub fn build(self) -> Result<Secrets, Error> {
        const CALL: &str = "airflow_secrets::blocking::SecretsBuilder::build";
        refuse_inside_runtime(CALL)?;
        let driver = Driver::start(CALL)?;
        let inner = driver.handle.block_on(self.inner.build())?;
        Ok(Secrets { inner, driver })
    }
}

/// [`Error::Blocking`] when the current thread is inside an async runtime.
fn refuse_inside_runtime(call: &'static str) -> Result<(), Error> {
    if Handle::try_current().is_err() {
        return Ok(());
    }
    Err(Error::Blocking {
        call,
        problem: "called from inside an async runtime, where blocking would stall the runtime; in \
                  async code use `airflow_secrets::Secrets` and `.await` its lookups (or call this \
                  from a thread outside the runtime)"
            .into(),
    })
}

/// The runtime and the thread that drives it (its I/O, timers and spawned tasks); callers wait on it
/// through the handle. Dropping it stops the thread, which drops the runtime outside any async context.
struct Driver {
    handle: Handle,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Driver {
    fn start(call: &'static str) -> Result<Driver, Error> {
        let failed = |what: &str, e: std::io::Error| Error::Blocking {
            call,
            problem: format!("cannot start its {what}: {e}"),
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| failed("tokio runtime", e))?;
        let handle = runtime.handle().clone();
        let (shutdown, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("airflow-secrets-blocking".into())
            .spawn(move || {
                // Either a shutdown message or the sender's drop ends the wait.
                let _ = runtime.block_on(stopped);
            })
            .map_err(|e| failed("runtime thread", e))?;
        Ok(Driver {
            handle,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            // The driver thread only waits; a panic there (none is expected) is not re-raised in a drop.
            let _ = thread.join();
        }
    }
}
