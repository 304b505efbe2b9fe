//! The caller's IP address, as the per-IP rate limits of the JSON API and the hosted pages
//! count it: the TCP peer, or — only behind a proxy that appends it, when
//! `TESSERA_TRUST_FORWARDED_FOR` is on — the last `X-Forwarded-For` entry.

use actix_web::HttpRequest;

/// The last `X-Forwarded-For` entry of the last header line: a proxy that adds its own line
/// instead of appending to the client's must not leave the client's line in charge.
pub fn forwarded_for(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get_all("x-forwarded-for")
        .last()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// The caller's IP: the TCP peer, or the last `X-Forwarded-For` entry behind a trusted proxy.
pub fn client_ip(req: &HttpRequest, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for && let Some(last) = forwarded_for(req) {
        return last;
    }
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::client_ip;
    use actix_web::test::TestRequest;

    #[test]
    fn forwarded_for_counts_only_when_trusted() {
        let req = TestRequest::default()
            .peer_addr("10.0.0.1:5000".parse().unwrap())
            .insert_header(("x-forwarded-for", "1.1.1.1, 2.2.2.2"))
            .to_http_request();
        assert_eq!(client_ip(&req, false), "10.0.0.1");
        assert_eq!(client_ip(&req, true), "2.2.2.2");
    }
}
