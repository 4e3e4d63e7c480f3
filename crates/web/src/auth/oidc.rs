//! OpenID Connect single sign-on for LA staff: Waymark's side of the authorisation code flow
//! with PKCE, against the council's identity provider (Entra ID, Google Workspace, Okta,
//! Keycloak...). The pages that use it are in [`crate::auth::sso`]; docs/sso.md says how a
//! council sets it up.
//!
//! [`Sso::begin`] makes the provider's sign-in address with a fresh `state`, `nonce` and PKCE
//! challenge; the caller keeps the nonce and PKCE verifier in the database (not in memory: the
//! provider may send the user back to another instance). [`Sso::finish`] exchanges the code
//! the provider sends back, verifies the ID token (signature against the provider's published
//! keys, issuer, audience, expiry and nonce) and returns its verified email address.
//!
//! The provider's metadata and keys come from discovery (`/.well-known/openid-configuration`
//! under the issuer) on first use, not at start-up, so Waymark starts even when the provider
//! is down. They are kept for an hour, and fetched again at once when an ID token is signed by
//! a key Waymark has not seen (the provider has rotated its keys). That cache is this
//! process's own copy of public data: nothing another instance needs.
//!
//! HTTP to the provider goes through `reqwest` with rustls on *ring* (never OpenSSL), checking
//! certificates against the operating system's trusted roots. It follows no redirects (as the
//! OpenID Connect specifications expect of a client, and so a provider cannot bounce
//! Waymark's requests elsewhere), times out after 10 s and reads at most 1 MiB per response.
//!
//! Nothing here logs personal data: failures are logged by a fixed kind (`"nonce"`,
//! `"signature"`, `"unreachable"`...), never with an error's text or a claim.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdTokenClaims, CoreProviderMetadata,
};
use openidconnect::{
    AsyncHttpClient, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken,
    DiscoveryError, EndpointMaybeSet, EndpointNotSet, EndpointSet, HttpRequest, HttpResponse,
    IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope,
    SignatureVerificationError, TokenResponse,
};

/// How Waymark signs staff in through the council's identity provider. Set with
/// `waymark serve --oidc-issuer ... --oidc-client-id ... --oidc-client-secret-file ...
/// --oidc-redirect-url ...`.
///
/// `Debug` leaves out the client secret.
#[derive(Clone, PartialEq, Eq)]
pub struct OidcConfig {
    /// The provider's issuer identifier, exactly as its discovery document gives it
    /// (Entra ID: `https://login.microsoftonline.com/TENANT-ID/v2.0`).
    pub issuer_url: String,
    /// The client (application) id Waymark is registered with at the provider.
    pub client_id: String,
    /// The client secret the provider issued for Waymark.
    pub client_secret: String,
    /// Waymark's callback as registered at the provider:
    /// `https://WAYMARK-HOST/sign-in/sso/callback`.
    pub redirect_url: String,
    /// The sign-in page's button text.
    pub button_label: String,
}

impl OidcConfig {
    /// The button text when the operator does not choose one.
    pub const DEFAULT_BUTTON_LABEL: &'static str = "Sign in with your council account";
}

impl fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer_url", &self.issuer_url)
            .field("client_id", &self.client_id)
            .field("redirect_url", &self.redirect_url)
            .field("button_label", &self.button_label)
            .finish_non_exhaustive()
    }
}

/// Single sign-on is configured wrongly: found when the service starts.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The issuer is not an absolute URL.
    #[error(
        "the OIDC issuer {0:?} is not a URL: give the provider's issuer, e.g. https://login.microsoftonline.com/TENANT-ID/v2.0"
    )]
    Issuer(String),
    /// The redirect URL is not an absolute URL ending in `/sign-in/sso/callback`.
    #[error(
        "the OIDC redirect URL {0:?} should be this service's address followed by /sign-in/sso/callback, e.g. https://waymark.example.gov.uk/sign-in/sso/callback"
    )]
    RedirectUrl(String),
    /// The client id or secret is empty.
    #[error("the OIDC {0} is empty")]
    Empty(&'static str),
    /// The HTTP client for the provider could not be set up (TLS).
    #[error("the HTTP client for the OIDC provider could not be set up: {0}")]
    Http(String),
}

/// Why a sign-in through the provider did not work. Each kind has a fixed label for the log
/// ([`SsoError::kind`]); none carries personal data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SsoError {
    /// The provider could not be reached, or answered with something that is not OpenID
    /// Connect: the council's sign-in is down or misconfigured. Try again later.
    #[error("the identity provider is unavailable ({0})")]
    Unavailable(&'static str),
    /// The provider refused to exchange the code (used already, expired, PKCE mismatch).
    #[error("the identity provider refused the code ({0})")]
    CodeRefused(&'static str),
    /// The ID token failed verification: wrong signature, issuer, audience or nonce, or
    /// expired. The sign-in is refused.
    #[error("the ID token failed verification ({0})")]
    InvalidIdToken(&'static str),
    /// The ID token has no `email` claim (the provider was not asked, or not set up, to send
    /// it).
    #[error("the ID token has no email address")]
    NoEmail,
    /// The provider says the email address is not verified (`email_verified: false`).
    #[error("the email address is not verified by the provider")]
    EmailNotVerified,
}

impl SsoError {
    /// A fixed label for the log.
    pub fn kind(&self) -> &'static str {
        match self {
            SsoError::Unavailable(kind)
            | SsoError::CodeRefused(kind)
            | SsoError::InvalidIdToken(kind) => kind,
            SsoError::NoEmail => "no_email",
            SsoError::EmailNotVerified => "email_not_verified",
        }
    }
}

/// A sign-in sent to the provider: where to send the browser, and what the callback will need.
///
/// `Debug` leaves out the secrets.
pub struct Begun {
    /// The provider's authorisation address with the request in its query string.
    pub authorize_url: String,
    /// The `state` sent to the provider; it comes back with the code.
    pub state: String,
    /// The `nonce` sent to the provider; its ID token must carry it.
    pub nonce: String,
    /// The PKCE verifier whose S256 challenge was sent to the provider.
    pub pkce_verifier: String,
}

impl fmt::Debug for Begun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Begun").finish_non_exhaustive()
    }
}

/// The OpenID Connect client with its cache of the provider's metadata. One per process,
/// shared by every request.
pub struct Sso {
    config: OidcConfig,
    issuer: IssuerUrl,
    redirect: RedirectUrl,
    http: ProviderHttp,
    provider: Mutex<Option<Arc<Discovered>>>,
}

impl fmt::Debug for Sso {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sso")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The client as discovery leaves it: authorisation and token endpoints from the metadata.
type DiscoveredClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

struct Discovered {
    client: DiscoveredClient,
    fetched: Instant,
}

/// How long the provider's metadata and keys are kept before discovery runs again.
const METADATA_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// Discovery runs again at most this often when an ID token names a key Waymark does not have,
/// so a stream of forged tokens cannot make Waymark hammer the provider.
const KEY_REFRESH_MIN_INTERVAL: Duration = Duration::from_secs(60);

/// The scopes Waymark asks for: `openid` (always sent) and `email`. Nothing else is needed:
/// the account, its name and role are Waymark's own.
const SCOPES: &[&str] = &["email"];

impl Sso {
    /// Checks the configuration and sets up the HTTP client. Does not contact the provider.
    ///
    /// # Errors
    /// [`SetupError`] naming what is wrong.
    pub fn new(config: OidcConfig) -> Result<Sso, SetupError> {
        let issuer = IssuerUrl::new(config.issuer_url.clone())
            .ok()
            .filter(|url| matches!(url.url().scheme(), "https" | "http"))
            .ok_or_else(|| SetupError::Issuer(config.issuer_url.clone()))?;
        let redirect = RedirectUrl::new(config.redirect_url.clone())
            .ok()
            .filter(|url| url.url().path().ends_with(crate::auth::sso::CALLBACK_PATH))
            .ok_or_else(|| SetupError::RedirectUrl(config.redirect_url.clone()))?;
        if config.client_id.trim().is_empty() {
            return Err(SetupError::Empty("client id"));
        }
        if config.client_secret.is_empty() {
            return Err(SetupError::Empty("client secret"));
        }
        Ok(Sso {
            http: ProviderHttp::new()?,
            issuer,
            redirect,
            config,
            provider: Mutex::new(None),
        })
    }

    /// The configuration it was made from.
    pub fn config(&self) -> &OidcConfig {
        &self.config
    }

    /// Starts a sign-in: the provider's authorisation address with `state` (the caller's fresh
    /// random token), a random `nonce` (128 bits) and a PKCE S256 challenge (a 256-bit
    /// verifier), asking for `openid email`.
    ///
    /// # Errors
    /// [`SsoError::Unavailable`] if the provider's metadata cannot be fetched.
    pub async fn begin(&self, state: String) -> Result<Begun, SsoError> {
        let provider = self.provider(false).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = provider.client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            move || CsrfToken::new(state),
            Nonce::new_random,
        );
        for scope in SCOPES {
            request = request.add_scope(Scope::new((*scope).to_string()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        Ok(Begun {
            authorize_url: url.to_string(),
            state: state.into_secret(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.into_secret(),
        })
    }

    /// Whether `iss` from the provider's redirect (RFC 9207, sent by providers that support
    /// it) names this provider, so a response from another provider is not mistaken for one
    /// from ours. A redirect without `iss` passes: not every provider sends it.
    pub fn issuer_matches(&self, iss: Option<&str>) -> bool {
        iss.is_none_or(|iss| iss == self.issuer.as_str())
    }

    /// Finishes a sign-in: exchanges `code` at the provider's token endpoint with the PKCE
    /// verifier and the client secret, verifies the ID token against `nonce`, and returns the
    /// email address it asserts.
    ///
    /// The ID token must be signed by one of the provider's published keys with an algorithm
    /// its metadata lists, be issued by the configured issuer to this client (`aud`), be
    /// unexpired, and carry `nonce`. The email must be present, and verified if the provider
    /// says whether it is (`email_verified`).
    ///
    /// # Errors
    /// [`SsoError`] saying why.
    pub async fn finish(
        &self,
        code: &str,
        nonce: &str,
        pkce_verifier: &str,
    ) -> Result<String, SsoError> {
        let provider = self.provider(false).await?;
        let response = provider
            .client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|_| SsoError::Unavailable("no_token_endpoint"))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        let id_token = response
            .id_token()
            .ok_or(SsoError::InvalidIdToken("no_id_token"))?;
        let nonce = Nonce::new(nonce.to_string());
        let email = match verified_email(&provider.client, id_token, &nonce) {
            Err(SsoError::InvalidIdToken("unknown_key"))
                if provider.fetched.elapsed() >= KEY_REFRESH_MIN_INTERVAL =>
            {
                // The provider may have rotated its keys since discovery: fetch them again
                // and check once more.
                let provider = self.provider(true).await?;
                verified_email(&provider.client, id_token, &nonce)
            }
            result => result,
        }?;
        Ok(email)
    }

    /// The provider's metadata, from the cache unless it is missing, old or `refresh`.
    async fn provider(&self, refresh: bool) -> Result<Arc<Discovered>, SsoError> {
        if !refresh {
            let cached = self
                .provider
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            if let Some(cached) = cached
                && cached.fetched.elapsed() < METADATA_LIFETIME
            {
                return Ok(cached);
            }
        }
        let metadata = CoreProviderMetadata::discover_async(self.issuer.clone(), &self.http)
            .await
            .map_err(|err| {
                let kind = discovery_error_kind(&err);
                tracing::warn!(kind, "OIDC discovery failed");
                SsoError::Unavailable(kind)
            })?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(self.config.client_secret.clone())),
        )
        .set_redirect_uri(self.redirect.clone());
        let discovered = Arc::new(Discovered {
            client,
            fetched: Instant::now(),
        });
        *self.provider.lock().unwrap_or_else(PoisonError::into_inner) = Some(discovered.clone());
        Ok(discovered)
    }
}

/// Verifies an ID token and takes its email address.
fn verified_email(
    client: &DiscoveredClient,
    id_token: &openidconnect::core::CoreIdToken,
    nonce: &Nonce,
) -> Result<String, SsoError> {
    let claims: &CoreIdTokenClaims = id_token
        .claims(&client.id_token_verifier(), nonce)
        .map_err(|err| SsoError::InvalidIdToken(claims_error_kind(&err)))?;
    if claims.email_verified() == Some(false) {
        return Err(SsoError::EmailNotVerified);
    }
    let email = claims.email().ok_or(SsoError::NoEmail)?;
    Ok(email.as_str().to_string())
}

/// A fixed label for why an ID token was refused.
fn claims_error_kind(err: &ClaimsVerificationError) -> &'static str {
    match err {
        ClaimsVerificationError::Expired(_) => "expired",
        ClaimsVerificationError::InvalidAudience(_) => "audience",
        ClaimsVerificationError::InvalidIssuer(_) => "issuer",
        ClaimsVerificationError::InvalidNonce(_) => "nonce",
        ClaimsVerificationError::SignatureVerification(
            SignatureVerificationError::NoMatchingKey,
        ) => "unknown_key",
        ClaimsVerificationError::SignatureVerification(_) => "signature",
        _ => "claims",
    }
}

fn discovery_error_kind<E: std::error::Error>(err: &DiscoveryError<E>) -> &'static str {
    match err {
        DiscoveryError::Request(_) => "unreachable",
        DiscoveryError::Response(..) => "discovery_status",
        DiscoveryError::Parse(_) => "discovery_parse",
        DiscoveryError::Validation(_) => "discovery_invalid",
        _ => "discovery",
    }
}

fn token_error<E: std::error::Error, T: openidconnect::ErrorResponse>(
    err: RequestTokenError<E, T>,
) -> SsoError {
    match err {
        // The provider answered with an OAuth error (invalid_grant: code used, expired, or
        // the PKCE verifier does not match).
        RequestTokenError::ServerResponse(_) => SsoError::CodeRefused("token_refused"),
        RequestTokenError::Request(_) => SsoError::Unavailable("token_unreachable"),
        RequestTokenError::Parse(..) => SsoError::Unavailable("token_parse"),
        RequestTokenError::Other(_) => SsoError::Unavailable("token_other"),
    }
}

/// The HTTP client for the provider (see the module documentation).
#[derive(Clone)]
struct ProviderHttp(reqwest::Client);

/// The most Waymark reads of one response from the provider.
const MAX_RESPONSE_BYTES: usize = 1 << 20;

/// Why a request to the provider failed.
#[derive(Debug, thiserror::Error)]
enum HttpError {
    #[error("request failed: {0}")]
    Request(#[from] reqwest::Error),
    #[error("response larger than {MAX_RESPONSE_BYTES} bytes")]
    TooLarge,
    #[error("invalid response: {0}")]
    Response(#[from] openidconnect::http::Error),
}

impl ProviderHttp {
    /// rustls on *ring*, given to reqwest ready-made: reqwest's own rustls set-up would want
    /// aws-lc, or a process-wide default provider.
    fn new() -> Result<ProviderHttp, SetupError> {
        let setup = |e: &dyn std::fmt::Display| SetupError::Http(e.to_string());
        let crypto = Arc::new(rustls::crypto::ring::default_provider());
        let verifier =
            rustls_platform_verifier::Verifier::new(crypto.clone()).map_err(|e| setup(&e))?;
        let tls = rustls::ClientConfig::builder_with_provider(crypto)
            .with_safe_default_protocol_versions()
            .map_err(|e| setup(&e))?
            // The platform verifier checks certificates against the system's trusted roots;
            // rustls files every verifier that is not its built-in one under "dangerous".
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("Waymark/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| setup(&e))?;
        Ok(ProviderHttp(client))
    }

    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let mut response = self.0.execute(request.try_into()?).await?;
        let mut builder = openidconnect::http::Response::builder().status(response.status());
        for (name, value) in response.headers() {
            builder = builder.header(name, value);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(HttpError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(builder.body(body)?)
    }
}

impl<'c> AsyncHttpClient<'c> for ProviderHttp {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> OidcConfig {
        OidcConfig {
            issuer_url: "https://login.microsoftonline.com/0000/v2.0".into(),
            client_id: "waymark".into(),
            client_secret: "not-a-real-secret".into(),
            redirect_url: "https://waymark.example.gov.uk/sign-in/sso/callback".into(),
            button_label: OidcConfig::DEFAULT_BUTTON_LABEL.into(),
        }
    }

    #[test]
    fn debug_leaves_out_the_client_secret() {
        let shown = format!("{:?}", config());
        assert!(!shown.contains("not-a-real-secret"), "{shown}");
        assert!(shown.contains("waymark"), "{shown}");
    }

    #[test]
    fn a_valid_configuration_is_accepted_without_contacting_the_provider() {
        assert!(Sso::new(config()).is_ok());
    }

    #[test]
    fn a_redirect_url_that_is_not_the_callback_is_refused_at_start_up() {
        let wrong = OidcConfig {
            redirect_url: "https://waymark.example.gov.uk/".into(),
            ..config()
        };
        assert!(matches!(Sso::new(wrong), Err(SetupError::RedirectUrl(_))));
        let not_a_url = OidcConfig {
            issuer_url: "login.microsoftonline.com".into(),
            ..config()
        };
        assert!(matches!(Sso::new(not_a_url), Err(SetupError::Issuer(_))));
        let no_secret = OidcConfig {
            client_secret: String::new(),
            ..config()
        };
        assert!(matches!(
            Sso::new(no_secret),
            Err(SetupError::Empty("client secret"))
        ));
    }

    #[test]
    fn the_issuer_in_the_redirect_must_be_ours_when_it_is_sent() {
        let Ok(sso) = Sso::new(config()) else {
            panic!("configuration refused")
        };
        assert!(sso.issuer_matches(None));
        assert!(sso.issuer_matches(Some("https://login.microsoftonline.com/0000/v2.0")));
        assert!(!sso.issuer_matches(Some("https://evil.example/")));
    }
}
