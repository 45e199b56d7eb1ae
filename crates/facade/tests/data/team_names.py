# The names the pinned Airflow's own backend objects ask their stores for, in a multi-team deployment
# ([core] multi_team = True), for every (backend, kind, team, key) of `data["cases"]`. Nothing is found,
# so each lookup asks for the team's name (when it tries one) and then the shared one. No request leaves
# the process: each backend's lowest fetch is replaced by a recorder. `data` is set by testkit's prelude.
import os
import types

os.environ["AIRFLOW__CORE__MULTI_TEAM"] = "True"

asked = []


class RecordingEnviron(dict):
    def get(self, name, default=None):
        asked.append(name)
        return None


from airflow.secrets import environment_variables as env_module  # noqa: E402
from airflow.providers.amazon.aws.secrets.systems_manager import (  # noqa: E402
    SystemsManagerParameterStoreBackend,
)
from airflow.providers.amazon.aws.secrets.secrets_manager import SecretsManagerBackend  # noqa: E402
from airflow.providers.google.cloud.secrets import secret_manager as gcp_module  # noqa: E402
from airflow.providers.microsoft.azure.secrets.key_vault import AzureKeyVaultBackend  # noqa: E402
from azure.core.exceptions import ResourceNotFoundError  # noqa: E402


class FakeGcpClient:
    def get_secret(self, secret_id, project_id, secret_version="latest"):
        asked.append(secret_id)
        return None


class FakeAzureClient:
    def get_secret(self, name):
        asked.append(name)
        raise ResourceNotFoundError("not found")


gcp_module.get_credentials_and_project_id = lambda **kwargs: (None, "proj")
gcp_module.CloudSecretManagerBackend.client = property(lambda self: FakeGcpClient())


def build(backend, kwargs):
    if backend == "env":
        # Only the module's view of `os` is replaced: the process environment stays as it is.
        env_module.os = types.SimpleNamespace(environ=RecordingEnviron())
        return env_module.EnvironmentVariablesBackend()
    if backend == "ssm":
        b = SystemsManagerParameterStoreBackend(**kwargs)
        b._get_parameter_value = lambda ssm_path: asked.append(ssm_path)
        return b
    if backend == "secrets_manager":
        b = SecretsManagerBackend(**kwargs)
        b._get_secret_value = lambda secret_id, secrets_path: asked.append(secrets_path)
        return b
    if backend == "gcp":
        return gcp_module.CloudSecretManagerBackend(**kwargs)
    if backend == "azure":
        b = AzureKeyVaultBackend(**kwargs)
        b.__dict__["client"] = FakeAzureClient()
        return b
    raise ValueError(backend)


backends = {}
out = []
for case in data["cases"]:
    name = case["backend"]
    if name not in backends:
        backends[name] = build(name, data["kwargs"][name])
    b = backends[name]
    asked.clear()
    kind, key, team = case["kind"], case["key"], case["team"]
    if kind == "connection":
        b.get_conn_value(key, team_name=team)
    elif kind == "variable":
        b.get_variable(key, team_name=team)
    elif name != "env":
        b.get_config(key)
    out.append(list(asked))
print(json.dumps(out))
