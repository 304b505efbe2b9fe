//! HTTPS served directly (DESIGN §2 Operations), with rustls: the server's certificate
//! (`TESSERA_TLS_CERT`, `TESSERA_TLS_KEY`) and one per custom domain, `{TESSERA_TLS_DIR}/{domain}.crt`
//! and `.key` (PEM), chosen by the name the client asks for (SNI); any other name gets the
//! server's. The files are read again when they change (checked every 2 seconds), so a renewed
//! certificate is served without a restart; a file that does not parse leaves the previous
//! certificates in place. Responses over HTTPS carry HSTS, and a plain-HTTP listener
//! (`TESSERA_HTTP_LISTEN`) only redirects to HTTPS.

use crate::config::TlsFiles;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

const RELOAD_EVERY: Duration = Duration::from_secs(2);

/// HSTS for HTTPS responses: a year, subdomains not included (a pool's domain does not decide
/// for its parent's other hosts).
const HSTS: &str = "max-age=31536000";

/// The certificates being served.
#[derive(Debug, Default)]
struct Certificates {
    default: Option<Arc<CertifiedKey>>,
    by_name: HashMap<String, Arc<CertifiedKey>>,
}

/// Picks the certificate for a handshake by its server name; reloads the files when they change.
#[derive(Debug)]
pub struct Resolver {
    files: TlsFiles,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<Certificates>>,
    /// What the files looked like at the last load (paths, sizes and modification times).
    seen: RwLock<Vec<(PathBuf, u64, Option<SystemTime>)>>,
}

impl ResolvesServerCert for Resolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let certificates = self.current.read().ok()?.clone();
        hello
            .server_name()
            .and_then(|name| certificates.by_name.get(&name.to_ascii_lowercase()))
            .or(certificates.default.as_ref())
            .cloned()
    }
}

fn certified_key(
    provider: &CryptoProvider,
    cert: &Path,
    key: &Path,
) -> Result<CertifiedKey, String> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let cert_pem = read(cert)?;
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{}: {e}", cert.display()))?;
    if chain.is_empty() {
        return Err(format!("{}: no certificate", cert.display()));
    }
    let key = PrivateKeyDer::from_pem_slice(&read(key)?)
        .map_err(|e| format!("{}: {e}", key.display()))?;
    CertifiedKey::from_der(chain, key, provider).map_err(|e| format!("{}: {e}", cert.display()))
}

/// The files a load reads: the server's pair, then `{name}.crt` with its `{name}.key`.
fn files_of(files: &TlsFiles) -> Vec<(Option<String>, PathBuf, PathBuf)> {
    let mut out = vec![(None, files.cert.clone(), files.key.clone())];
    if let Ok(entries) = std::fs::read_dir(&files.dir) {
        let mut found: Vec<(Option<String>, PathBuf, PathBuf)> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "crt"))
            .filter_map(|p| {
                let name = p.file_stem()?.to_str()?.to_ascii_lowercase();
                let key = p.with_extension("key");
                Some((Some(name), p, key))
            })
            .collect();
        found.sort();
        out.extend(found);
    }
    out
}

fn fingerprint(files: &TlsFiles) -> Vec<(PathBuf, u64, Option<SystemTime>)> {
    files_of(files)
        .into_iter()
        .flat_map(|(_, cert, key)| [cert, key])
        .map(|path| {
            let meta = std::fs::metadata(&path).ok();
            let size = meta.as_ref().map_or(0, |m| m.len());
            let modified = meta.and_then(|m| m.modified().ok());
            (path, size, modified)
        })
        .collect()
}

/// Loads every pair. The server's own must load; a domain's pair that does not keeps that
/// domain's certificate of `previous` (if any), with a warning, and the others load anyway.
fn load(
    provider: &CryptoProvider,
    files: &TlsFiles,
    previous: Option<&Certificates>,
) -> Result<Certificates, String> {
    let mut certificates = Certificates::default();
    for (name, cert, key) in files_of(files) {
        match (name, certified_key(provider, &cert, &key)) {
            (None, Ok(certified)) => certificates.default = Some(Arc::new(certified)),
            (None, Err(e)) => return Err(e),
            (Some(name), Ok(certified)) => {
                certificates.by_name.insert(name, Arc::new(certified));
            }
            (Some(name), Err(e)) => {
                tracing::warn!(domain = %name, cause = %e, "a domain's certificate did not load");
                if let Some(kept) = previous.and_then(|p| p.by_name.get(&name)) {
                    certificates.by_name.insert(name, kept.clone());
                }
            }
        }
    }
    Ok(certificates)
}

impl Resolver {
    /// Loads the certificates; an unreadable server certificate is an error at start.
    pub fn new(files: TlsFiles) -> anyhow::Result<Arc<Resolver>> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let seen = fingerprint(&files);
        let certificates = load(&provider, &files, None).map_err(|e| anyhow::anyhow!(e))?;
        tracing::info!(
            domains = certificates.by_name.len(),
            "TLS certificates loaded"
        );
        Ok(Arc::new(Resolver {
            files,
            provider,
            current: RwLock::new(Arc::new(certificates)),
            seen: RwLock::new(seen),
        }))
    }

    /// Loads the files again if they changed since the last load.
    fn reload_if_changed(&self) {
        let now = fingerprint(&self.files);
        let changed = self.seen.read().map(|s| *s != now).unwrap_or(true);
        if !changed {
            return;
        }
        let previous = self.current.read().ok().map(|c| c.clone());
        match load(&self.provider, &self.files, previous.as_deref()) {
            Ok(certificates) => {
                tracing::info!(
                    domains = certificates.by_name.len(),
                    "TLS certificates reloaded"
                );
                if let Ok(mut current) = self.current.write() {
                    *current = Arc::new(certificates);
                }
                if let Ok(mut seen) = self.seen.write() {
                    *seen = now;
                }
            }
            // Half-written files are common while a renewal runs: try again next time.
            Err(e) => tracing::warn!(cause = %e, "TLS certificates not reloaded"),
        }
    }

    /// Watches the files for as long as the server runs.
    pub fn watch(self: &Arc<Self>) {
        let resolver = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(RELOAD_EVERY).await;
                let Some(resolver) = resolver.upgrade() else {
                    return;
                };
                tokio::task::spawn_blocking(move || resolver.reload_if_changed())
                    .await
                    .ok();
            }
        });
    }

    /// The rustls configuration serving these certificates (HTTP/2 and HTTP/1.1).
    pub fn server_config(self: &Arc<Self>) -> anyhow::Result<rustls::ServerConfig> {
        let mut config = rustls::ServerConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_cert_resolver(self.clone());
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(config)
    }
}

/// With HTTPS on: the plain-HTTP listener's only answer is the same URL over HTTPS (on the
/// HTTPS listener's port); responses over HTTPS carry HSTS.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    // The listener's own TLS, not a forwarded header.
    if req.app_config().secure() {
        let mut response = next.call(req).await?;
        response.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
        return Ok(response.map_into_left_body());
    }
    let Some(port) = req.app_data::<web::Data<HttpsPort>>().and_then(|p| p.0) else {
        return next.call(req).await.map(|r| r.map_into_left_body());
    };
    // The request's own Host header (never a forwarded one).
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let name = host
        .rsplit_once(':')
        .filter(|(_, p)| p.chars().all(|c| c.is_ascii_digit()))
        .map_or(host.as_str(), |(h, _)| h)
        .to_string();
    // A missing or odd Host: the server's own name.
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'));
    let name = if plain {
        name
    } else {
        req.app_data::<web::Data<crate::services::Services>>()
            .and_then(|s| url::Url::parse(&s.public_url).ok())
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| "localhost".into())
    };
    let port = if port == 443 {
        String::new()
    } else {
        format!(":{port}")
    };
    let path = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let response = HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, format!("https://{name}{port}{path}")))
        .finish();
    Ok(req.into_response(response).map_into_right_body())
}

/// The port HTTPS is served on, for the plain-HTTP listener's redirects (None: no HTTPS).
#[derive(Debug, Clone, Copy)]
pub struct HttpsPort(pub Option<u16>);
