//! The OAuth grants and the token request built from one ([`Grant`], [`TokenRequest`]).

use super::*;

/// An OAuth grant and its parameters.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum Grant<'a> {
    /// `grant_type=password`.
    Password {
        /// The resource owner's username.
        username: &'a str,
        /// The resource owner's password.
        password: &'a Password,
    },
    /// `grant_type=client_credentials`.
    ClientCredentials,
    /// `grant_type=refresh_token`.
    RefreshToken(&'a RefreshToken),
    /// `grant_type=authorization_code`.
    AuthorizationCode {
        /// The one-time code.
        code: &'a AccessToken,
        /// The redirect URI registered for the client, when the server wants it repeated.
        redirect_uri: Option<&'a str>,
    },
}

impl fmt::Debug for Grant<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.grant_type())
    }
}

impl Grant<'_> {
    /// The `grant_type` value.
    pub fn grant_type(&self) -> &'static str {
        match self {
            Self::Password { .. } => "password",
            Self::ClientCredentials => "client_credentials",
            Self::RefreshToken(_) => "refresh_token",
            Self::AuthorizationCode { .. } => "authorization_code",
        }
    }
}

/// A token request, built without I/O by [`TokenRequest::build`].
#[derive(Debug)]
#[non_exhaustive]
pub struct TokenRequest<'a> {
    /// The token endpoint.
    pub url: &'a Url,
    /// The grant.
    pub grant: Grant<'a>,
    /// The client's id and secret, when the server wants them.
    pub client: Option<&'a ClientCredentials>,
    /// How the client authenticates.
    pub client_auth: ClientAuth,
    /// The `scope` parameter.
    pub scope: Option<&'a str>,
    /// Where the parameters go.
    pub placement: Placement,
}

impl<'a> TokenRequest<'a> {
    /// A request for `grant` at `url`, parameters in the form body, no client, no scope.
    pub fn new(url: &'a Url, grant: Grant<'a>) -> Self {
        Self {
            url,
            grant,
            client: None,
            client_auth: ClientAuth::Params,
            scope: None,
            placement: Placement::Form,
        }
    }

    /// Builds the `POST` request.
    pub fn build(&self, provider: &'static str) -> Result<http::Request<Vec<u8>>> {
        let mut params: Vec<(&str, &str)> = Vec::with_capacity(7);
        match self.grant {
            Grant::Password { username, password } => {
                params.push(("username", username));
                params.push(("password", password.expose_secret()));
            }
            Grant::ClientCredentials => {}
            Grant::RefreshToken(token) => params.push(("refresh_token", token.expose_secret())),
            Grant::AuthorizationCode { code, redirect_uri } => {
                params.push(("code", code.expose_secret()));
                if let Some(uri) = redirect_uri {
                    params.push(("redirect_uri", uri));
                }
            }
        }
        let mut basic = None;
        if let Some(client) = self.client {
            match self.client_auth {
                ClientAuth::Params => {
                    params.push(("client_id", client.client_id.as_str()));
                    params.push(("client_secret", client.client_secret.expose_secret()));
                }
                ClientAuth::Basic => basic = Some(basic_auth_value(client)),
            }
        }
        params.push(("grant_type", self.grant.grant_type()));
        if let Some(scope) = self.scope {
            params.push(("scope", scope));
        }
        let encoded = form_encode(params.iter().copied());
        let (url, body) = match self.placement {
            Placement::Query => {
                let mut url = self.url.clone();
                let query = match url.query() {
                    Some(q) if !q.is_empty() => format!("{q}&{encoded}"),
                    _ => encoded,
                };
                url.set_query(Some(&query));
                (url, Vec::new())
            }
            Placement::Form => (self.url.clone(), encoded.into_bytes()),
        };
        let mut builder = request(Method::POST, &url);
        if self.placement == Placement::Form {
            builder = builder.header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            );
        }
        if let Some(value) = basic {
            let value = sensitive_value(&value)
                .ok_or_else(|| Error::configuration(provider, "invalid client credentials"))?;
            builder = builder.header(http::header::AUTHORIZATION, value);
        }
        finish(provider, builder, body)
    }
}

fn basic_auth_value(client: &ClientCredentials) -> String {
    let id = form_encode([("", client.client_id.as_str())]);
    let secret = form_encode([("", client.client_secret.expose_secret())]);
    let raw = format!("{}:{}", &id[1..], &secret[1..]);
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw.as_bytes())
    )
}
