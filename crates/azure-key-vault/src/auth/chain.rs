//! [`DefaultAzureCredentialChain`]: Azure's `DefaultAzureCredential` as Airflow uses it, built from the Rust
//! SDK's credentials (azure_identity 1.x has no `DefaultAzureCredential`).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azure_core::error::ErrorKind;
use azure_core::http::Transport;
use azure_identity::{
    AzureCliCredential, AzureCliCredentialOptions, ClientAssertionCredentialOptions,
    ClientSecretCredential, ClientSecretCredentialOptions, WorkloadIdentityCredential,
    WorkloadIdentityCredentialOptions,
};

use super::cli::AzCliExecutor;
use super::contain::contained;
use super::managed_identity::{ManagedIdentityCredential, is_unavailable};
use super::{identity_client_options, resolve_authority_host};
use crate::client::HttpOptions;
use crate::errors::error_chain;
use crate::transport::transport;
use airflow_secrets_core::provider::env::EnvSnapshot;

/// Options of [`DefaultAzureCredentialChain`], mirroring the arguments Airflow passes to
/// `DefaultAzureCredential`.
#[derive(Debug, Clone)]
pub struct DefaultCredentialOptions {
    /// Client id of a user-assigned managed identity (also the workload identity's client id). Default: the
    /// `AZURE_CLIENT_ID` environment variable.
    pub managed_identity_client_id: Option<String>,
    /// Tenant for workload identity. Default: `AZURE_TENANT_ID`.
    pub workload_identity_tenant_id: Option<String>,
    /// Token endpoint host. Default: `AZURE_AUTHORITY_HOST`, else the public cloud.
    pub authority_host: Option<String>,
    /// Where `AZURE_*`, `IDENTITY_*`, `MSI_*`, `AZURE_POD_IDENTITY_AUTHORITY_HOST` and `PATH` are read (the
    /// [`HONOURED`](crate::HONOURED) names). Default: the process's, captured when the options are built.
    pub environment: EnvSnapshot,
    /// TLS, timeouts and retries for token requests.
    pub http: HttpOptions,
    /// How long the `az` command may run (Python's `process_timeout`, 10 s).
    pub az_timeout: Duration,
}

impl Default for DefaultCredentialOptions {
    fn default() -> Self {
        DefaultCredentialOptions {
            managed_identity_client_id: None,
            workload_identity_tenant_id: None,
            authority_host: None,
            environment: crate::env::process(),
            http: HttpOptions::default(),
            az_timeout: Duration::from_secs(10),
        }
    }
}

/// One link of the chain, decided when the chain is built.
enum StepState {
    /// Not configured here (Python's `CredentialUnavailableError`): the chain moves on.
    Unavailable(String),
    /// Configured but unusable (e.g. an unreadable token file): the chain stops here, as Python's does when a
    /// credential fails.
    Broken(String),
    /// Ready to ask for a token.
    Ready(Arc<dyn TokenCredential>),
}

struct Step {
    name: &'static str,
    state: StepState,
}

/// Azure's `DefaultAzureCredential`, as Airflow's `AzureKeyVaultBackend` uses it: tries, in order,
///
/// 1. **EnvironmentCredential**: `AZURE_TENANT_ID` + `AZURE_CLIENT_ID` + `AZURE_CLIENT_SECRET` (a client secret
///    credential);
/// 2. **WorkloadIdentityCredential**: when `AZURE_TENANT_ID`, `AZURE_FEDERATED_TOKEN_FILE` and an authority host
///    (`AZURE_AUTHORITY_HOST` or the `authority_host` option) are set; client id = `managed_identity_client_id`
///    or `AZURE_CLIENT_ID`, tenant = `workload_identity_tenant_id` or `AZURE_TENANT_ID`;
/// 3. **ManagedIdentityCredential**: App Service / Functions / Container Apps (`IDENTITY_ENDPOINT` +
///    `IDENTITY_HEADER`), else the instance metadata service (probed once with a short timeout, so a machine
///    outside Azure falls through quickly); user-assigned id = `managed_identity_client_id` or `AZURE_CLIENT_ID`;
/// 4. **AzureCliCredential**: `az account get-access-token`, 10 s at most.
///
/// As in Python, a source that is not configured is skipped, a source that is configured but fails stops the
/// chain, the source that worked is remembered, and when no token is obtained the error lists what each step
/// said.
pub struct DefaultAzureCredentialChain {
    steps: Vec<Step>,
    /// Index of the step that produced a token; `usize::MAX` until one has.
    selected: AtomicUsize,
}

impl fmt::Debug for DefaultAzureCredentialChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let steps: Vec<String> = self
            .steps
            .iter()
            .map(|s| match &s.state {
                StepState::Unavailable(_) => format!("{} (unavailable)", s.name),
                StepState::Broken(_) => format!("{} (broken)", s.name),
                StepState::Ready(_) => s.name.to_owned(),
            })
            .collect();
        f.debug_struct("DefaultAzureCredentialChain")
            .field("steps", &steps)
            .finish_non_exhaustive()
    }
}

const ENV_SECRET_VARS: [&str; 3] = ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"];

impl DefaultAzureCredentialChain {
    /// Builds the chain, reading the environment now (as `DefaultAzureCredential()` does when constructed).
    /// No network call is made until a token is requested.
    pub fn new(options: DefaultCredentialOptions) -> azure_core::Result<Self> {
        let client = options.http.http_client().map_err(|e| {
            azure_core::Error::with_error(ErrorKind::Other, e, "cannot build the HTTP client")
        })?;
        Self::with_transport(options, transport(client))
    }

    /// Like [`new`](Self::new), sending token requests through `transport`.
    pub fn with_transport(
        options: DefaultCredentialOptions,
        transport: Transport,
    ) -> azure_core::Result<Self> {
        let env = &options.environment;
        let authority = resolve_authority_host(options.authority_host.as_deref(), env);
        let steps = vec![
            Step {
                name: "EnvironmentCredential",
                state: environment_step(&options, authority.as_deref(), &transport),
            },
            Step {
                name: "WorkloadIdentityCredential",
                state: workload_step(&options, authority.as_deref(), &transport),
            },
            Step {
                name: "ManagedIdentityCredential",
                state: managed_identity_step(&options, &transport),
            },
            Step {
                name: "AzureCliCredential",
                state: cli_step(&options),
            },
        ];
        Ok(DefaultAzureCredentialChain {
            steps,
            selected: AtomicUsize::new(usize::MAX),
        })
    }

    fn failure(attempts: &[(&'static str, String)]) -> azure_core::Error {
        let lines: Vec<String> = attempts
            .iter()
            .map(|(name, message)| format!("\t{name}: {}", message.replace('\n', " ")))
            .collect();
        azure_core::Error::with_message(
            ErrorKind::Credential,
            format!(
                "DefaultAzureCredential failed to retrieve a token from the included credentials.\n\
                 Attempted credentials:\n{}",
                lines.join("\n")
            ),
        )
    }
}

fn environment_step(
    options: &DefaultCredentialOptions,
    authority: Result<&str, &String>,
    transport: &Transport,
) -> StepState {
    let env = &options.environment;
    let values = ENV_SECRET_VARS.map(|k| env.get(k).map(str::to_owned));
    let [Some(tenant), Some(client), Some(secret)] = values.clone() else {
        let missing: Vec<&str> = ENV_SECRET_VARS
            .iter()
            .zip(&values)
            .filter(|(_, value)| value.is_none())
            .map(|(k, _)| *k)
            .collect();
        let mut message = format!(
            "EnvironmentCredential authentication unavailable. Environment variables are not fully configured \
             (missing: {})",
            missing.join(", ")
        );
        if env.get("AZURE_CLIENT_CERTIFICATE_PATH").is_some() {
            message.push_str("; AZURE_CLIENT_CERTIFICATE_PATH is set, but certificate credentials are not supported");
        } else if env.get("AZURE_USERNAME").is_some() {
            message.push_str(
                "; AZURE_USERNAME/AZURE_PASSWORD (username-password) credentials are not supported",
            );
        }
        return StepState::Unavailable(message);
    };
    let authority = match authority {
        Ok(a) => a,
        Err(e) => return StepState::Broken(e.clone()),
    };
    let credential_options = ClientSecretCredentialOptions {
        client_options: identity_client_options(&options.http, transport, authority),
    };
    match ClientSecretCredential::new(
        &tenant,
        client,
        Secret::new(secret),
        Some(credential_options),
    ) {
        Ok(c) => StepState::Ready(contained("EnvironmentCredential", c)),
        Err(e) => StepState::Broken(error_chain(&e)),
    }
}

fn workload_step(
    options: &DefaultCredentialOptions,
    authority: Result<&str, &String>,
    transport: &Transport,
) -> StepState {
    let env = &options.environment;
    let has_authority =
        options.authority_host.is_some() || env.get("AZURE_AUTHORITY_HOST").is_some();
    let Some(token_file) = env.get("AZURE_FEDERATED_TOKEN_FILE").map(str::to_owned) else {
        return StepState::Unavailable("WorkloadIdentityCredential authentication unavailable: AZURE_FEDERATED_TOKEN_FILE is not set".into());
    };
    let Some(env_tenant) = env.get("AZURE_TENANT_ID").map(str::to_owned) else {
        return StepState::Unavailable(
            "WorkloadIdentityCredential authentication unavailable: AZURE_TENANT_ID is not set"
                .into(),
        );
    };
    if !has_authority {
        return StepState::Unavailable("WorkloadIdentityCredential authentication unavailable: AZURE_AUTHORITY_HOST is not set".into());
    }
    let Some(client_id) = options
        .managed_identity_client_id
        .clone()
        .or_else(|| env.get("AZURE_CLIENT_ID").map(str::to_owned))
    else {
        return StepState::Unavailable(
            "WorkloadIdentityCredential authentication unavailable: no client id (set AZURE_CLIENT_ID)".into(),
        );
    };
    let authority = match authority {
        Ok(a) => a,
        Err(e) => return StepState::Broken(e.clone()),
    };
    let tenant_id = options
        .workload_identity_tenant_id
        .clone()
        .unwrap_or(env_tenant);
    let workload_options = WorkloadIdentityCredentialOptions {
        credential_options: ClientAssertionCredentialOptions {
            client_options: identity_client_options(&options.http, transport, authority),
        },
        client_id: Some(client_id),
        tenant_id: Some(tenant_id),
        token_file_path: Some(token_file.into()),
    };
    match WorkloadIdentityCredential::new(Some(workload_options)) {
        Ok(c) => StepState::Ready(contained("WorkloadIdentityCredential", c)),
        Err(e) => StepState::Broken(error_chain(&e)),
    }
}

fn managed_identity_step(options: &DefaultCredentialOptions, transport: &Transport) -> StepState {
    let env = &options.environment;
    let client_id = options
        .managed_identity_client_id
        .clone()
        .or_else(|| env.get("AZURE_CLIENT_ID").map(str::to_owned));
    match ManagedIdentityCredential::from_environment(env, client_id, &options.http, transport) {
        Ok(c) => StepState::Ready(Arc::new(c)),
        Err(reason) => StepState::Unavailable(reason),
    }
}

fn cli_step(options: &DefaultCredentialOptions) -> StepState {
    let executor = AzCliExecutor::new(options.environment.clone(), options.az_timeout);
    let cli_options = AzureCliCredentialOptions {
        executor: Some(Arc::new(executor)),
        ..Default::default()
    };
    match AzureCliCredential::new(Some(cli_options)) {
        Ok(c) => StepState::Ready(contained("AzureCliCredential", c)),
        Err(e) => StepState::Broken(error_chain(&e)),
    }
}

/// Whether a step's error means "not available here" (go on) rather than "tried and failed" (stop).
fn step_unavailable(name: &str, error: &azure_core::Error) -> bool {
    if is_unavailable(error) {
        return true;
    }
    // The Azure CLI is the last step, so this only affects wording; these are Python's unavailable cases.
    name == "AzureCliCredential" && {
        let text = error_chain(error);
        text.contains("not found on PATH")
            || text.contains("wasn't found on PATH")
            || text.contains("az login")
    }
}

#[async_trait::async_trait]
impl TokenCredential for DefaultAzureCredentialChain {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let selected = self.selected.load(Ordering::Acquire);
        if let Some(Step {
            state: StepState::Ready(credential),
            ..
        }) = self.steps.get(selected)
        {
            // Like Python's DefaultAzureCredential: once a source worked, it alone is used.
            return credential.get_token(scopes, options).await;
        }
        let mut attempts: Vec<(&'static str, String)> = Vec::new();
        for (index, step) in self.steps.iter().enumerate() {
            match &step.state {
                StepState::Unavailable(reason) => attempts.push((step.name, reason.clone())),
                StepState::Broken(reason) => {
                    attempts.push((step.name, reason.clone()));
                    break;
                }
                StepState::Ready(credential) => {
                    match credential.get_token(scopes, options.clone()).await {
                        Ok(token) => {
                            tracing::info!(
                                credential = step.name,
                                "DefaultAzureCredential acquired a token"
                            );
                            self.selected.store(index, Ordering::Release);
                            return Ok(token);
                        }
                        Err(error) => {
                            let unavailable = step_unavailable(step.name, &error);
                            attempts.push((step.name, error_chain(&error)));
                            if !unavailable {
                                break;
                            }
                        }
                    }
                }
            }
        }
        Err(Self::failure(&attempts))
    }
}
