//! A generic rustify endpoint, for the Vault calls vaultrs does not wrap (ldap, radius, github and gcp
//! logins, approle without a secret ID, token lookup-self). Executed through vaultrs' own `api`
//! functions, it gets the same middleware (`X-Vault-Token`, `X-Vault-Namespace`, `X-Vault-Request`)
//! and the same error parsing as the wrapped calls.

use std::marker::PhantomData;

use rustify::endpoint::Endpoint;
use rustify::enums::{RequestMethod, RequestType, ResponseType};
use rustify::errors::ClientError;
use serde::de::DeserializeOwned;

pub(crate) struct RawEndpoint<R> {
    method: RequestMethod,
    path: String,
    body: Option<Vec<u8>>,
    response: PhantomData<fn() -> R>,
}

impl<R> RawEndpoint<R> {
    /// `POST /v1/{path}` with a JSON body.
    pub fn post(path: String, body: &serde_json::Value) -> Self {
        RawEndpoint {
            method: RequestMethod::POST,
            path,
            body: Some(serde_json::to_vec(body).expect("a JSON value always serialises")),
            response: PhantomData,
        }
    }

    /// `GET /v1/{path}`.
    pub fn get(path: String) -> Self {
        RawEndpoint {
            method: RequestMethod::GET,
            path,
            body: None,
            response: PhantomData,
        }
    }
}

impl<R: DeserializeOwned + Send + Sync> Endpoint for RawEndpoint<R> {
    type Response = R;
    const REQUEST_BODY_TYPE: RequestType = RequestType::JSON;
    const RESPONSE_BODY_TYPE: ResponseType = ResponseType::JSON;

    fn path(&self) -> String {
        self.path.clone()
    }

    fn method(&self) -> RequestMethod {
        self.method.clone()
    }

    fn body(&self) -> Result<Option<Vec<u8>>, ClientError> {
        Ok(self.body.clone())
    }
}
