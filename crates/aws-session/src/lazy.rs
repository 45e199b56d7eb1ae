//! [`LazyClient`]: a backend's one SDK client, built from its [`SessionConfig`] on the first lookup (or
//! given ready-made to the backend's builder), with the credential source its authentication errors
//! name.

use std::fmt;
use std::future::Future;

use airflow_secrets_core::Error;
use airflow_secrets_core::provider::context::{LookupContext, invalid_kwarg};
use tokio::sync::OnceCell;

use crate::{AwsConnectionKwargs, EnvConfigFiles, Service, SessionConfig, login};

/// The client `C` of one AWS backend: built once, on the first lookup, from the validated session, and
/// shared by every lookup after (concurrent first lookups wait for the same one).
pub struct LazyClient<C> {
    session: SessionConfig,
    /// For authentication errors: where the credentials come from.
    credentials: String,
    client: OnceCell<C>,
}

impl<C> fmt::Debug for LazyClient<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LazyClient")
            .field("session", &self.session)
            .field("client_built", &self.client.initialized())
            .finish()
    }
}

impl<C> LazyClient<C> {
    /// Validates the AWS connection kwargs of `service`'s backend (sends nothing). With `given`, that
    /// client is used as is and the AWS kwargs must be unset (they would be silently unused otherwise).
    pub fn new(
        service: Service,
        kwargs: &AwsConnectionKwargs,
        profile_files: Option<EnvConfigFiles>,
        given: Option<C>,
    ) -> Result<LazyClient<C>, Error> {
        let mut session = SessionConfig::from_kwargs(service, kwargs)?;
        if let Some(files) = profile_files {
            session = session.with_profile_files(files);
        }
        let (credentials, client) = match given {
            Some(client) => {
                let set = kwargs.set_names();
                if !set.is_empty() {
                    return Err(invalid_kwarg(
                        service.backend,
                        set.join(", "),
                        "not used when a ready-made SDK client is given; configure the client instead",
                    ));
                }
                (
                    "AWS credentials: those of the SDK client given to the builder".to_owned(),
                    OnceCell::new_with(Some(client)),
                )
            }
            None => (session.credentials_description(), OnceCell::new()),
        };
        Ok(LazyClient {
            session,
            credentials,
            client,
        })
    }

    /// Where the credentials come from, for authentication errors.
    pub fn credentials(&self) -> &str {
        &self.credentials
    }

    /// The client, built with `build` from (a copy of) the session on the first call. Before that first build, the
    /// files the SDK will read for credentials are checked ([`SessionConfig::check_files`]); a FIFO,
    /// device or oversized one is [`Error::Authentication`] for the lookup of `ctx`.
    pub async fn get<F, Fut>(&self, ctx: &LookupContext, build: F) -> Result<&C, Error>
    where
        F: FnOnce(SessionConfig) -> Fut,
        Fut: Future<Output = C>,
    {
        if !self.client.initialized() {
            self.session.check_files().map_err(|problem| {
                ctx.authentication(
                    login(ctx, self.session.service(), &self.credentials),
                    format!("no usable AWS credentials: {problem}"),
                )
            })?;
        }
        Ok(self
            .client
            .get_or_init(|| build(self.session.clone()))
            .await)
    }

    /// The client, built with `build` on the first call, without the file check (for callers outside a
    /// lookup, e.g. a backend's `client()` accessor).
    pub async fn get_unchecked<F, Fut>(&self, build: F) -> &C
    where
        F: FnOnce(SessionConfig) -> Fut,
        Fut: Future<Output = C>,
    {
        self.client
            .get_or_init(|| build(self.session.clone()))
            .await
    }
}
