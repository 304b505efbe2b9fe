//! Gives every request an id, puts it on a tracing span (so all log lines of the request carry
//! it) and returns it in `x-amzn-RequestId`, the header AWS clients read; the id, the client's
//! IP and user agent are the request's context for the audit trail; the request's time and
//! status go to the metrics. With traces on (`telemetry::otel`), the span joins the caller's
//! trace (`traceparent`) and carries the HTTP method, path and status.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;

pub const HEADER: &str = "x-amzn-requestid";

/// The target of the one line logged per request (status, time taken). It is on by default;
/// `RUST_LOG=info,tessera::access=off` turns it off, which saves about a sixth of the CPU time
/// of the cheapest requests (JWKS; docs/performance.md).
pub const ACCESS_LOG: &str = "tessera::access";

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = crate::crypto::random::uuid();
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.path(),
        action = tracing::field::Empty,
        access_key_id = tracing::field::Empty,
    );
    let traces = crate::telemetry::traces_on();
    if traces {
        crate::telemetry::otel::start_request(
            &span,
            req.method().as_str(),
            req.path(),
            req.headers(),
        );
    }
    let started = std::time::Instant::now();
    // What the audit trail notes of the request: its id, the client's IP and user agent.
    let trust_forwarded_for = req
        .app_data::<actix_web::web::Data<crate::api::dispatch::ApiState>>()
        .is_some_and(|s| s.trust_forwarded_for);
    let context = crate::services::audit::RequestContext {
        request_id: id.clone(),
        peer: req.peer_addr().map(|a| a.ip()),
        forwarded_for: trust_forwarded_for
            .then(|| super::client_ip::forwarded_for(req.request()))
            .flatten(),
        user_agent: req
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string(),
    };
    let mut response = crate::services::audit::CONTEXT
        .scope(context, next.call(req).instrument(span.clone()))
        .await?;
    let status = response.status().as_u16();
    let elapsed = started.elapsed().as_secs_f64();
    super::metrics::observe(response.request(), status, elapsed);
    if traces {
        crate::telemetry::otel::end_request(&span, status);
    }
    // The span as the line's parent, without entering and leaving it (registry bookkeeping
    // for nothing: the line needs only the span's fields).
    tracing::info!(
        target: ACCESS_LOG,
        parent: &span,
        status,
        elapsed_ms = elapsed * 1000.0,
        "request done"
    );
    if let Ok(value) = HeaderValue::from_str(&id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(HEADER), value);
    }
    Ok(response)
}
