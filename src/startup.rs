//! Builds the store, the services and the actix application from [`Settings`]: the one module
//! that knows every other. `main` and the integration tests both start Tessera through here.

use crate::api::{self, ApiState};
use crate::clock::Clock;
use crate::config::Settings;
use crate::crypto::password::PasswordHasherPool;
use crate::delivery::{Delivery, EmailSender, SmsSender};
use crate::http;
use crate::services::Services;
use crate::services::admin_keys::{self, AdminKeys, NewAdminKey};
use crate::store::Store;
use actix_web::dev::Server;
use actix_web::{App, HttpServer, middleware, web};
use anyhow::Context;
use std::net::{SocketAddr, TcpListener};

/// A built, not yet running, server.
pub struct Application {
    server: Server,
    address: SocketAddr,
    services: Services,
    /// The admin key created on this first start, if one was.
    pub first_admin_key: Option<NewAdminKey>,
    /// The console's first operator, created on this first start, if one was.
    pub first_operator: Option<crate::services::console::Invitation>,
}

/// Connects to the database, brings the schema up to date and opens its secrets with the
/// master key.
pub async fn open_store(settings: &Settings) -> anyhow::Result<Store> {
    let store = Store::connect(settings.database_url.expose())
        .await
        .context("connecting to the database")?;
    store
        .migrate()
        .await
        .context("running database migrations")?;
    crate::services::master_key::unlock(&store, settings, Clock::System.now()).await?;
    Ok(store)
}

/// The senders configured by the settings (SMTP / webhook, or the outbox).
pub fn delivery_from_settings(settings: &Settings) -> anyhow::Result<Delivery> {
    Ok(Delivery {
        email: EmailSender::from_settings(
            settings.smtp_url.as_ref().map(|s| s.expose()),
            &settings.email_from,
            &settings.data_dir,
        )?,
        sms: SmsSender::from_settings(
            settings.sms_webhook_url.as_ref().map(|s| s.expose()),
            &settings.data_dir,
        ),
    })
}

/// The services over an open store.
pub fn services(settings: &Settings, store: Store, clock: Clock, delivery: Delivery) -> Services {
    Services {
        store: store.clone(),
        clock: clock.clone(),
        hasher: PasswordHasherPool::with_queue(settings.hash_concurrency, settings.hash_queue),
        delivery,
        region: settings.region.clone(),
        public_url: settings.public_url.clone(),
        auth_domain: settings.auth_domain.clone(),
        keys: Default::default(),
        clients: Default::default(),
        triggers: std::sync::Arc::new(crate::triggers::Invoker::new(settings)),
        federation: std::sync::Arc::new(crate::federation::Upstreams::new()),
        cognito: std::sync::Arc::new(crate::aws::cognito::CognitoClient::new(
            settings.aws_credentials.clone(),
        )),
        audit: crate::services::audit::AuditLog::start(store, clock, settings.audit_retention_days),
    }
}

/// Binds the listen address of the settings (`TESSERA_LISTEN`); port 0 picks a free port.
pub fn bind(settings: &Settings) -> anyhow::Result<TcpListener> {
    TcpListener::bind(&settings.listen).with_context(|| format!("binding {}", settings.listen))
}

/// The routes of one pool's site: its OAuth endpoints and its hosted pages.
fn site_routes(cfg: &mut web::ServiceConfig) {
    crate::oauth::configure_site(cfg);
    crate::ui::configure(cfg);
}

impl Application {
    /// Opens the store, ensures an admin key exists, and serves on `listener`, bound by the
    /// caller ([`bind`] in `main`; tests bind port 0 first, so they know the address before
    /// the server starts and no other process can take the port in between).
    pub async fn build(
        settings: Settings,
        clock: Clock,
        listener: TcpListener,
    ) -> anyhow::Result<Application> {
        let delivery = delivery_from_settings(&settings)?;
        Self::build_with(settings, clock, delivery, listener).await
    }

    /// Like [`Application::build`] with the delivery given (tests record messages).
    pub async fn build_with(
        settings: Settings,
        clock: Clock,
        delivery: Delivery,
        listener: TcpListener,
    ) -> anyhow::Result<Application> {
        let store = open_store(&settings).await?;
        let services = services(&settings, store.clone(), clock, delivery);
        let keys = AdminKeys::new(settings.admin_key_pairs()?, store.clone());
        let first_admin_key =
            admin_keys::ensure_first_key(&keys, &store, &settings.data_dir, services.now())
                .await
                .map_err(|e| anyhow::anyhow!("creating the first admin key: {e}"))?;
        // The console needs its operators' pool; a server that cannot make one (a PUBLIC_URL
        // that is neither https nor local) serves everything else.
        let (console, first_operator) = match crate::services::console::ensure(&services).await {
            Ok((console, invitation)) => (Some(console), invitation),
            Err(e) => {
                tracing::warn!(cause = %e, "the admin console is off");
                (None, None)
            }
        };
        let console_state = web::Data::new(crate::console::ConsoleState { console });
        let address = listener.local_addr()?;
        let api_state = web::Data::new(ApiState {
            services: services.clone(),
            admin_keys: keys,
            signing_clock: Clock::System,
            rate_limit_per_ip: settings.rate_limit_per_ip,
            trust_forwarded_for: settings.trust_forwarded_for,
        });
        if settings.import_jobs {
            crate::services::user_import::spawn_runner(services.clone());
        }
        let services_data = web::Data::new(services.clone());
        let metrics_access = web::Data::new(http::metrics::MetricsAccess {
            token: settings.metrics_token.clone(),
        });
        let cookie_key = crate::services::oauth::sso::cookie_key(&services)
            .await
            .map_err(|e| anyhow::anyhow!("loading the hosted-UI cookie key: {e}"))?;
        let secure_cookies = settings.public_url.starts_with("https://");
        let https_port = web::Data::new(http::tls::HttpsPort(
            settings.tls.is_some().then_some(address.port()),
        ));
        let tls_on = settings.tls.is_some();
        let server = HttpServer::new(move || {
            App::new()
                .wrap(middleware::Condition::new(
                    tls_on,
                    middleware::from_fn(http::tls::middleware),
                ))
                .wrap(middleware::from_fn(http::request_id::middleware))
                .app_data(web::PayloadConfig::new(1024 * 1024))
                .app_data(api_state.clone())
                .app_data(services_data.clone())
                .app_data(metrics_access.clone())
                .app_data(https_port.clone())
                .app_data(console_state.clone())
                .configure(http::health::configure)
                .configure(http::metrics::configure)
                .configure(api::configure)
                .configure(http::user_import_upload::configure)
                .configure(crate::oauth::configure)
                .configure(crate::ui::configure_static)
                .service(
                    web::scope(crate::services::console::PATH)
                        .wrap(crate::console::session::middleware(
                            &cookie_key,
                            secure_cookies,
                        ))
                        .wrap(middleware::from_fn(http::security_headers::middleware))
                        .configure(crate::console::routes),
                )
                // A pool's hosted UI and OAuth endpoints: under /{poolId}, and at the root of
                // the pool's own domain (found by the Host header).
                .service(
                    web::scope(http::site::POOL_SEGMENT)
                        .wrap(crate::ui::session::middleware(&cookie_key, secure_cookies))
                        .wrap(middleware::from_fn(http::security_headers::middleware))
                        .configure(site_routes),
                )
                .service(
                    web::scope("")
                        .wrap(crate::ui::session::middleware(&cookie_key, secure_cookies))
                        .wrap(middleware::from_fn(http::security_headers::middleware))
                        .configure(site_routes),
                )
        });
        let server = match &settings.tls {
            Some(files) => {
                let resolver = http::tls::Resolver::new(files.clone())?;
                resolver.watch();
                let server = server.listen_rustls_0_23(listener, resolver.server_config()?)?;
                match &settings.http_listen {
                    Some(http) => server
                        .bind(http)
                        .with_context(|| format!("binding {http}"))?,
                    None => server,
                }
            }
            None => server.listen(listener)?,
        };
        let server = server
            .shutdown_timeout(10)
            // `main` installs its own SIGINT/SIGTERM handling before it announces readiness, so a
            // signal is never missed between start and the first poll of the server.
            .disable_signals()
            .run();
        tracing::info!(
            %address,
            database = services.store.backend(),
            "tessera listening"
        );
        Ok(Application {
            server,
            address,
            services,
            first_admin_key,
            first_operator,
        })
    }

    /// The address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// The services behind the server (tests use the clock and store directly).
    pub fn services(&self) -> &Services {
        &self.services
    }

    /// A handle that can stop the server.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGINT/SIGTERM (graceful: in-flight requests finish), then closes the store.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let store = self.services.store.clone();
        let result = self.server.await;
        // What the last requests recorded reaches the audit trail before the store closes.
        self.services.audit.flush().await;
        store.close().await;
        result
    }
}
