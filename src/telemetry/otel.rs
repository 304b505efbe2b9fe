//! OpenTelemetry traces, sent over OTLP/HTTP (protobuf) when `OTEL_EXPORTER_OTLP_ENDPOINT` or
//! `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set; without either, nothing here is installed.
//!
//! A `tracing-opentelemetry` layer turns the request span (and the lines logged inside it, as
//! span events) into OpenTelemetry spans; the SDK's batch span processor exports them from a
//! thread of its own. The standard variables are read by the crates themselves:
//! opentelemetry-otlp the endpoints, `OTEL_EXPORTER_OTLP_HEADERS` and `_TIMEOUT`; the SDK
//! `OTEL_BSP_*`, `OTEL_TRACES_SAMPLER` and `OTEL_RESOURCE_ATTRIBUTES`. `service.name` is
//! `OTEL_SERVICE_NAME`, else `tessera`.
//!
//! The request middleware calls [`start_request`] and [`end_request`] only when
//! [`super::traces_on`]: with traces off a request pays one atomic load.

use actix_web::http::header::HeaderMap;
use opentelemetry::Key;
use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry::trace::{Status, TracerProvider};
use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::{ExporterBuildError, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::resource::{EnvResourceDetector, ResourceDetector};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// What one HTTP attempt may take: the OTLP default timeout. (opentelemetry-otlp bounds an export
/// and its retries by `OTEL_EXPORTER_OTLP_TIMEOUT`, but a client it is given sets its own.)
const EXPORT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Why traces could not be set up (the server then runs without them).
#[derive(Debug, thiserror::Error)]
pub enum SetUpError {
    #[error("the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
    #[error(transparent)]
    Exporter(#[from] ExporterBuildError),
}

/// Whether the environment asks for traces: an OTLP endpoint for all signals or for traces.
pub fn wanted() -> bool {
    [
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    ]
    .iter()
    .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()))
}

/// The provider (kept to flush and shut it down at exit) and the tracer for the layer. Call it
/// outside any async runtime: the blocking HTTP client runs one of its own.
pub fn provider() -> Result<(SdkTracerProvider, SdkTracer), SetUpError> {
    let client = reqwest::blocking::Client::builder()
        .timeout(EXPORT_TIMEOUT)
        .build()?;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_http_client(BlockingClient(client))
        .build()?;
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource())
        .build();
    let tracer = provider.tracer("tessera");
    Ok((provider, tracer))
}

/// The SDK's resource (`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`), named `tessera` when
/// neither names the service (the SDK would say `unknown_service:tessera`).
fn resource() -> Resource {
    let named = std::env::var_os("OTEL_SERVICE_NAME").is_some_and(|v| !v.is_empty())
        || EnvResourceDetector::new()
            .detect()
            .get(&Key::from_static_str("service.name"))
            .is_some();
    let resource = Resource::builder();
    if named {
        resource.build()
    } else {
        resource.with_service_name("tessera").build()
    }
}

/// Joins the caller's trace when the request has a W3C `traceparent` (and `tracestate`), and
/// puts the request's method and path on its span. Call it before the span is first entered:
/// the parent can be set only until then.
pub fn start_request(span: &tracing::Span, method: &str, path: &str, headers: &HeaderMap) {
    if headers.contains_key("traceparent") {
        let parent = TraceContextPropagator::new().extract(&Headers(headers));
        // Fails only without the layer or once the span has started, neither of which is the
        // case here; the span then stays a root, which is all a failure could mean anyway.
        let _ = span.set_parent(parent);
    }
    span.set_attribute("http.request.method", method.to_owned());
    span.set_attribute("url.path", path.to_owned());
}

/// Puts the response's status on the request's span; a 5xx marks the span as failed (a 4xx is
/// the client's error, not the server's: OpenTelemetry's HTTP conventions).
pub fn end_request(span: &tracing::Span, status: u16) {
    span.set_attribute("http.response.status_code", i64::from(status));
    if status >= 500 {
        span.set_status(Status::error(""));
    }
}

/// actix's request headers as the propagator reads them.
struct Headers<'a>(&'a HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

/// reqwest 0.12's blocking client as the exporter's HTTP client: the batch span processor
/// exports from its own thread, where blocking is what it expects.
#[derive(Debug)]
struct BlockingClient(reqwest::blocking::Client);

#[async_trait::async_trait]
impl HttpClient for BlockingClient {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let response = self.0.execute(request.try_into()?)?;
        let mut answer = Response::builder().status(response.status());
        if let Some(headers) = answer.headers_mut() {
            *headers = response.headers().clone();
        }
        Ok(answer.body(response.bytes()?)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};
    use opentelemetry::trace::{SpanId, TraceId};
    use opentelemetry_sdk::error::OTelSdkResult;
    use opentelemetry_sdk::trace::{SpanData, SpanExporter};
    use std::sync::{Arc, Mutex};
    use tracing_subscriber::layer::SubscriberExt;

    /// Keeps what it is given to export.
    #[derive(Debug, Clone, Default)]
    struct Kept(Arc<Mutex<Vec<SpanData>>>);

    impl SpanExporter for Kept {
        async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
            self.0.lock().unwrap().extend(batch);
            Ok(())
        }
    }

    /// The one span of a request with `headers` that answered `status`, as exported.
    fn request_span(headers: &[(&'static str, &'static str)], status: u16) -> SpanData {
        let kept = Kept::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(kept.clone())
            .build();
        let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("test"));
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
            let span = tracing::info_span!("request");
            start_request(&span, "POST", "/", &map);
            span.in_scope(|| tracing::info!("handled"));
            end_request(&span, status);
        });
        let mut spans = kept.0.lock().unwrap();
        assert_eq!(spans.len(), 1);
        spans.remove(0)
    }

    fn attribute(span: &SpanData, key: &str) -> Option<opentelemetry::Value> {
        span.attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| kv.value.clone())
    }

    #[test]
    fn a_request_with_traceparent_joins_the_callers_trace() {
        let span = request_span(
            &[(
                "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            )],
            200,
        );
        assert_eq!(
            span.span_context.trace_id(),
            TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap()
        );
        assert_eq!(
            span.parent_span_id,
            SpanId::from_hex("00f067aa0ba902b7").unwrap()
        );
        assert!(span.parent_span_is_remote);
        assert_eq!(attribute(&span, "http.request.method"), Some("POST".into()));
        assert_eq!(attribute(&span, "url.path"), Some("/".into()));
        assert_eq!(
            attribute(&span, "http.response.status_code"),
            Some(200i64.into())
        );
        assert_eq!(span.status, Status::Unset);
        assert_eq!(
            span.events.events.len(),
            1,
            "the line logged inside, as an event"
        );
    }

    #[test]
    fn a_request_without_traceparent_starts_a_trace_and_a_5xx_fails_it() {
        let span = request_span(&[], 503);
        assert_eq!(span.parent_span_id, SpanId::INVALID);
        assert!(matches!(span.status, Status::Error { .. }));
        let client_error = request_span(&[], 404);
        assert_eq!(client_error.status, Status::Unset);
    }
}
