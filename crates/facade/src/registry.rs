//! From an Airflow class path to a backend: one table, one `match`, one `#[cfg(feature)]` arm per provider.

use std::fmt;
use std::sync::Arc;

use airflow_secrets_core::kwargs::Kwargs;
use airflow_secrets_core::{
    EnvironmentVariablesBackend, Error, LocalFilesystemBackend, SecretsBackend,
};

use crate::build_context::BuildContext;

/// A backend implementation airflow-secrets knows, independent of which class path named it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BackendClass {
    /// `EnvironmentVariablesBackend` (built in).
    EnvironmentVariables,
    /// `LocalFilesystemBackend` (built in).
    LocalFilesystem,
    /// Airflow's metadata database (`MetastoreBackend`), feature `metastore`.
    Metastore,
    /// HashiCorp Vault / OpenBao (`VaultBackend`), feature `vault`.
    Vault,
    /// AWS Systems Manager Parameter Store, feature `aws-ssm`.
    AwsSsm,
    /// AWS Secrets Manager, feature `aws-secrets-manager`.
    AwsSecretsManager,
    /// Google Cloud Secret Manager, feature `gcp-secret-manager`.
    GcpSecretManager,
    /// Azure Key Vault, feature `azure-key-vault`.
    AzureKeyVault,
}

/// One known class path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownClassPath {
    /// The dotted Python class path, as written in `AIRFLOW__SECRETS__BACKEND`.
    pub class_path: &'static str,
    /// What it builds.
    pub class: BackendClass,
    /// `true` for paths Airflow kept for backwards compatibility (`airflow.contrib...`, old module names).
    pub legacy: bool,
}

const fn known(class_path: &'static str, class: BackendClass, legacy: bool) -> KnownClassPath {
    KnownClassPath {
        class_path,
        class,
        legacy,
    }
}

/// Every class path airflow-secrets understands, current ones first within each backend.
pub const KNOWN_CLASS_PATHS: &[KnownClassPath] = &[
    known(
        EnvironmentVariablesBackend::CLASS_PATH,
        BackendClass::EnvironmentVariables,
        false,
    ),
    known(
        LocalFilesystemBackend::CLASS_PATH,
        BackendClass::LocalFilesystem,
        false,
    ),
    known(
        "airflow.secrets.metastore.MetastoreBackend",
        BackendClass::Metastore,
        false,
    ),
    known(
        "airflow.providers.hashicorp.secrets.vault.VaultBackend",
        BackendClass::Vault,
        false,
    ),
    known(
        "airflow.contrib.secrets.hashicorp_vault.VaultBackend",
        BackendClass::Vault,
        true,
    ),
    known(
        "airflow.providers.amazon.aws.secrets.systems_manager.SystemsManagerParameterStoreBackend",
        BackendClass::AwsSsm,
        false,
    ),
    known(
        "airflow.contrib.secrets.aws_systems_manager.SystemsManagerParameterStoreBackend",
        BackendClass::AwsSsm,
        true,
    ),
    known(
        "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend",
        BackendClass::AwsSecretsManager,
        false,
    ),
    known(
        "airflow.contrib.secrets.aws_secrets_manager.SecretsManagerBackend",
        BackendClass::AwsSecretsManager,
        true,
    ),
    known(
        "airflow.providers.google.cloud.secrets.secret_manager.CloudSecretManagerBackend",
        BackendClass::GcpSecretManager,
        false,
    ),
    known(
        "airflow.contrib.secrets.gcp_secrets_manager.CloudSecretsManagerBackend",
        BackendClass::GcpSecretManager,
        true,
    ),
    known(
        "airflow.providers.microsoft.azure.secrets.key_vault.AzureKeyVaultBackend",
        BackendClass::AzureKeyVault,
        false,
    ),
    known(
        "airflow.providers.microsoft.azure.secrets.azure_key_vault.AzureKeyVaultBackend",
        BackendClass::AzureKeyVault,
        true,
    ),
];

impl BackendClass {
    /// Every backend class, built-ins first, in the order of [`KNOWN_CLASS_PATHS`].
    pub const ALL: &'static [BackendClass] = &[
        BackendClass::EnvironmentVariables,
        BackendClass::LocalFilesystem,
        BackendClass::Metastore,
        BackendClass::Vault,
        BackendClass::AwsSsm,
        BackendClass::AwsSecretsManager,
        BackendClass::GcpSecretManager,
        BackendClass::AzureKeyVault,
    ];

    /// Looks a class path up. Surrounding whitespace is ignored (Airflow strips config values too).
    pub fn from_class_path(class_path: &str) -> Result<BackendClass, Error> {
        let wanted = class_path.trim();
        KNOWN_CLASS_PATHS
            .iter()
            .find(|k| k.class_path == wanted)
            .map(|k| k.class)
            .ok_or_else(|| Error::UnknownClassPath {
                class_path: wanted.to_owned(),
                known: KNOWN_CLASS_PATHS
                    .iter()
                    .map(|k| k.class_path)
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// The cargo feature of the `airflow-secrets` crate that compiles this backend in; `None` for the
    /// built-ins.
    pub fn feature(self) -> Option<&'static str> {
        match self {
            BackendClass::EnvironmentVariables | BackendClass::LocalFilesystem => None,
            BackendClass::Metastore => Some("metastore"),
            BackendClass::Vault => Some("vault"),
            BackendClass::AwsSsm => Some("aws-ssm"),
            BackendClass::AwsSecretsManager => Some("aws-secrets-manager"),
            BackendClass::GcpSecretManager => Some("gcp-secret-manager"),
            BackendClass::AzureKeyVault => Some("azure-key-vault"),
        }
    }

    /// `true` when this build includes the backend.
    pub fn is_compiled(self) -> bool {
        match self {
            BackendClass::EnvironmentVariables | BackendClass::LocalFilesystem => true,
            BackendClass::Metastore => cfg!(feature = "metastore"),
            BackendClass::Vault => cfg!(feature = "vault"),
            BackendClass::AwsSsm => cfg!(feature = "aws-ssm"),
            BackendClass::AwsSecretsManager => cfg!(feature = "aws-secrets-manager"),
            BackendClass::GcpSecretManager => cfg!(feature = "gcp-secret-manager"),
            BackendClass::AzureKeyVault => cfg!(feature = "azure-key-vault"),
        }
    }

    /// The current (non-legacy) class path.
    pub fn class_path(self) -> &'static str {
        KNOWN_CLASS_PATHS
            .iter()
            .find(|k| k.class == self && !k.legacy)
            .map(|k| k.class_path)
            .expect("every backend class has a current class path")
    }

    /// A short human name, e.g. `HashiCorp Vault`.
    pub fn display_name(self) -> &'static str {
        match self {
            BackendClass::EnvironmentVariables => "environment variables",
            BackendClass::LocalFilesystem => "local files",
            BackendClass::Metastore => "Airflow metadata database",
            BackendClass::Vault => "HashiCorp Vault",
            BackendClass::AwsSsm => "AWS SSM Parameter Store",
            BackendClass::AwsSecretsManager => "AWS Secrets Manager",
            BackendClass::GcpSecretManager => "GCP Secret Manager",
            BackendClass::AzureKeyVault => "Azure Key Vault",
        }
    }
}

impl fmt::Display for BackendClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

/// Builds the backend named by `class_path` from its kwargs, as Airflow's `BackendClass(**kwargs)`.
///
/// Construction validates the kwargs (unknown keys, types, required combinations) but does not contact
/// the store: clients are built lazily on the first lookup, as in Airflow.
///
/// ```
/// use airflow_secrets::{build_backend, BuildContext};
/// let kwargs = serde_json::Map::new();
/// let b = build_backend("airflow.secrets.environment_variables.EnvironmentVariablesBackend", &kwargs, &BuildContext::default()).unwrap();
/// assert_eq!(b.name(), "EnvironmentVariablesBackend");
///
/// let err = build_backend("airflow.secrets.nope.NopeBackend", &kwargs, &BuildContext::default()).unwrap_err();
/// assert!(err.to_string().starts_with("unknown secrets backend class path `airflow.secrets.nope.NopeBackend`"));
/// ```
#[cfg_attr(
    not(any(
        feature = "vault",
        feature = "aws-ssm",
        feature = "aws-secrets-manager",
        feature = "gcp-secret-manager",
        feature = "azure-key-vault",
        feature = "metastore"
    )),
    allow(unused_variables)
)]
pub fn build_backend(
    class_path: &str,
    kwargs: &Kwargs,
    context: &BuildContext<'_>,
) -> Result<Arc<dyn SecretsBackend>, Error> {
    let class = BackendClass::from_class_path(class_path)?;
    match class {
        BackendClass::EnvironmentVariables => {
            Ok(Arc::new(EnvironmentVariablesBackend::from_kwargs(kwargs)?))
        }
        BackendClass::LocalFilesystem => Ok(Arc::new(LocalFilesystemBackend::from_kwargs(kwargs)?)),
        #[cfg(feature = "vault")]
        BackendClass::Vault => {
            use airflow_secrets_vault::{EnvSnapshot, HONOURED, VaultBackend};
            // VAULT_ADDR, VAULT_TOKEN, ... come from the configuration's snapshot when there is one, so
            // `AirflowConfig::from_vars` isolates them like every other setting.
            let backend = match context.config {
                Some(config) => VaultBackend::from_kwargs_with_env(
                    kwargs,
                    &EnvSnapshot::from_vars(HONOURED, config.env_vars()),
                )?,
                None => VaultBackend::from_kwargs(kwargs)?,
            };
            Ok(Arc::new(backend.with_multi_team(context.multi_team)))
        }
        #[cfg(feature = "aws-ssm")]
        BackendClass::AwsSsm => Ok(Arc::new(
            airflow_secrets_aws_ssm::SystemsManagerParameterStoreBackend::from_kwargs(kwargs)?
                .with_multi_team(context.multi_team),
        )),
        #[cfg(feature = "aws-secrets-manager")]
        BackendClass::AwsSecretsManager => Ok(Arc::new(
            airflow_secrets_aws_secrets_manager::SecretsManagerBackend::from_kwargs(kwargs)?
                .with_multi_team(context.multi_team),
        )),
        #[cfg(feature = "gcp-secret-manager")]
        BackendClass::GcpSecretManager => Ok(Arc::new(
            airflow_secrets_gcp_secret_manager::CloudSecretManagerBackend::from_kwargs(kwargs)?
                .with_multi_team(context.multi_team),
        )),
        #[cfg(feature = "azure-key-vault")]
        BackendClass::AzureKeyVault => {
            use airflow_secrets_azure_key_vault::{AzureKeyVaultBackend, EnvSnapshot, HONOURED};
            let backend =
                AzureKeyVaultBackend::from_kwargs(kwargs)?.with_multi_team(context.multi_team);
            // The credential chain reads AZURE_* variables: from the configuration's snapshot when there is
            // one, so `AirflowConfig::from_vars` isolates it like every other setting.
            Ok(Arc::new(match context.config {
                Some(config) => {
                    backend.with_environment(EnvSnapshot::from_vars(HONOURED, config.env_vars()))
                }
                None => backend,
            }))
        }
        #[cfg(feature = "metastore")]
        BackendClass::Metastore => Ok(Arc::new(crate::metastore_tier::build(kwargs, context)?)),
        #[allow(unreachable_patterns)]
        other => Err(Error::ProviderNotCompiled {
            class_path: class_path.trim().to_owned(),
            feature: other.feature().expect("built-ins are always compiled"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_every_class_of_the_table_once() {
        let mut from_table: Vec<BackendClass> = Vec::new();
        for k in KNOWN_CLASS_PATHS {
            if !from_table.contains(&k.class) {
                from_table.push(k.class);
            }
        }
        assert_eq!(from_table, BackendClass::ALL);
    }

    #[test]
    fn every_backend_has_one_current_path_and_paths_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for k in KNOWN_CLASS_PATHS {
            assert!(seen.insert(k.class_path), "duplicate {}", k.class_path);
            assert_eq!(
                BackendClass::from_class_path(k.class_path).unwrap(),
                k.class
            );
        }
        for &class in BackendClass::ALL {
            let current = KNOWN_CLASS_PATHS
                .iter()
                .filter(|k| k.class == class && !k.legacy)
                .count();
            assert_eq!(current, 1, "{class:?}");
            assert_eq!(
                BackendClass::from_class_path(class.class_path()).unwrap(),
                class
            );
        }
    }

    /// Runs in the provider-less build (`cargo test -p airflow-secrets --no-default-features`, which
    /// scripts/test.sh runs): a known path whose provider is compiled out names the feature to enable.
    #[test]
    #[cfg(not(any(
        feature = "vault",
        feature = "aws-ssm",
        feature = "aws-secrets-manager",
        feature = "gcp-secret-manager",
        feature = "azure-key-vault",
        feature = "metastore"
    )))]
    fn compiled_out_providers_name_their_feature() {
        let context = BuildContext::default();
        for k in KNOWN_CLASS_PATHS
            .iter()
            .filter(|k| k.class.feature().is_some())
        {
            let err = build_backend(k.class_path, &Kwargs::new(), &context).unwrap_err();
            let feature = k.class.feature().unwrap();
            assert!(
                matches!(err, Error::ProviderNotCompiled { feature: f, .. } if f == feature),
                "{err}"
            );
            assert_eq!(
                err.to_string(),
                format!(
                    "`{}` needs the `{feature}` feature of airflow-secrets, which this build does not include; \
                     add `features = [\"{feature}\"]` to the airflow-secrets dependency (or use the \
                     airflow-secrets CLI, which has every provider)",
                    k.class_path
                )
            );
            assert!(!k.class.is_compiled());
        }
    }

    #[test]
    fn unknown_and_compiled_out_paths_get_different_errors() {
        let err = build_backend(
            "airflow.secrets.nope.Nope",
            &Kwargs::new(),
            &BuildContext::default(),
        )
        .unwrap_err();
        assert!(matches!(err, Error::UnknownClassPath { .. }));
        let vault = build_backend(
            BackendClass::Vault.class_path(),
            &Kwargs::new(),
            &BuildContext::default(),
        );
        assert!(!matches!(vault, Err(Error::UnknownClassPath { .. })));
    }

    #[test]
    fn whitespace_around_the_class_path_is_ignored() {
        assert_eq!(
            BackendClass::from_class_path(
                "  airflow.providers.hashicorp.secrets.vault.VaultBackend\n"
            )
            .unwrap(),
            BackendClass::Vault
        );
    }
}
