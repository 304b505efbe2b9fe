//! Prometheus metrics (DESIGN §2 Operations), with the `prometheus-client` crate: one registry
//! for the process, the metric names dashboards rely on, and a function per event the services
//! count. `http::metrics` counts requests and serves `GET /metrics`; everything else is
//! counted where it happens. Labels take values from small fixed sets (never a user, a pool
//! or a path with an id in it).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::borrow::Cow;
use std::sync::LazyLock;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    door: &'static str,
    action: Cow<'static, str>,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DurationLabels {
    door: &'static str,
    action: Cow<'static, str>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SignInLabels {
    flow: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabels {
    channel: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct GrantLabels {
    grant: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TriggerLabels {
    trigger: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ConnectionLabels {
    state: &'static str,
}

fn duration_histogram() -> Histogram {
    // 0.25 ms to about 8 s.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
}

struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Family<DurationLabels, Histogram, fn() -> Histogram>,
    sign_ins: Family<SignInLabels, Counter>,
    lockouts: Counter,
    codes: Family<CodeLabels, Counter>,
    tokens: Family<GrantLabels, Counter>,
    triggers: Family<TriggerLabels, Counter>,
    hash_queue: Gauge,
    connections: Family<ConnectionLabels, Gauge>,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let mut registry = Registry::default();
    let requests = Family::<RequestLabels, Counter>::default();
    registry.register(
        "tessera_requests",
        "Requests answered, by door (api, oauth, ui, console), action and HTTP status",
        requests.clone(),
    );
    let durations = Family::<DurationLabels, Histogram, fn() -> Histogram>::new_with_constructor(
        duration_histogram,
    );
    registry.register(
        "tessera_request_duration_seconds",
        "Time to answer a request, by door and action",
        durations.clone(),
    );
    let sign_ins = Family::<SignInLabels, Counter>::default();
    registry.register(
        "tessera_sign_ins",
        "Sign-in steps by flow and outcome (success, failure, challenge)",
        sign_ins.clone(),
    );
    let lockouts = Counter::default();
    registry.register(
        "tessera_lockouts",
        "Users locked out after too many failed sign-ins",
        lockouts.clone(),
    );
    let codes = Family::<CodeLabels, Counter>::default();
    registry.register(
        "tessera_codes_sent",
        "Messages with a code or link handed to delivery, by channel (email, sms) and outcome",
        codes.clone(),
    );
    let tokens = Family::<GrantLabels, Counter>::default();
    registry.register(
        "tessera_tokens_issued",
        "Token sets issued, by grant",
        tokens.clone(),
    );
    let triggers = Family::<TriggerLabels, Counter>::default();
    registry.register(
        "tessera_trigger_invocations",
        "Lambda and webhook trigger invocations, by trigger and outcome",
        triggers.clone(),
    );
    let hash_queue = Gauge::default();
    registry.register(
        "tessera_password_hash_queue_depth",
        "Password hashes waiting for a hashing thread",
        hash_queue.clone(),
    );
    let connections = Family::<ConnectionLabels, Gauge>::default();
    registry.register(
        "tessera_db_connections",
        "Database connections of this node, by state (idle, in_use)",
        connections.clone(),
    );
    Metrics {
        registry,
        requests,
        durations,
        sign_ins,
        lockouts,
        codes,
        tokens,
        triggers,
        hash_queue,
        connections,
    }
});

/// A request answered by `door` (`api`, `oauth`, `ui`, `console`).
pub fn request(door: &'static str, action: Cow<'static, str>, status: u16, seconds: f64) {
    let m = &*METRICS;
    m.durations
        .get_or_create(&DurationLabels {
            door,
            action: action.clone(),
        })
        .observe(seconds);
    m.requests
        .get_or_create(&RequestLabels {
            door,
            action,
            status,
        })
        .inc();
}

/// A sign-in step of `flow` ended in `outcome` (`success`, `failure` or `challenge`).
pub fn sign_in(flow: &str, outcome: &'static str) {
    METRICS
        .sign_ins
        .get_or_create(&SignInLabels {
            flow: flow.to_string(),
            outcome,
        })
        .inc();
}

/// A user was locked out.
pub fn lockout() {
    METRICS.lockouts.inc();
}

/// A message with a code went (or failed to go) out by `channel` (`email`, `sms`).
pub fn code_sent(channel: &'static str, ok: bool) {
    let outcome = if ok { "success" } else { "failure" };
    METRICS
        .codes
        .get_or_create(&CodeLabels { channel, outcome })
        .inc();
}

/// Tokens were issued through `grant`.
pub fn tokens_issued(grant: &'static str) {
    METRICS.tokens.get_or_create(&GrantLabels { grant }).inc();
}

/// A trigger was invoked.
pub fn trigger_invoked(trigger: &'static str, outcome: &'static str) {
    METRICS
        .triggers
        .get_or_create(&TriggerLabels { trigger, outcome })
        .inc();
}

/// One more (or one fewer, with -1) password hash waiting for a thread.
pub fn hash_queue(delta: i64) {
    METRICS.hash_queue.inc_by(delta);
}

/// The store's connections now.
pub fn db_connections(idle: i64, in_use: i64) {
    let m = &*METRICS;
    m.connections
        .get_or_create(&ConnectionLabels { state: "idle" })
        .set(idle);
    m.connections
        .get_or_create(&ConnectionLabels { state: "in_use" })
        .set(in_use);
}

/// Every metric in the OpenMetrics text format.
pub fn encode() -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = prometheus_client::encoding::text::encode(&mut out, &METRICS.registry);
    out
}
