//! What protects a signed-in browser from other sites: a state-changing
//! request that a browser marks as coming from another site (or another
//! port of this host) is refused before any handler runs. API clients with
//! a bearer token are not browsers riding a cookie and pass untouched.

use app::server::{AppState, auth};
use app::wire::AppError;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::api::ApiError;

/// What the browser says of where a request comes from: `Some(true)` from
/// a page of this site, `Some(false)` from another, `None` when it says
/// nothing. `Sec-Fetch-Site` first (every current browser sends it), else
/// `Origin`, else `Referer`.
pub fn from_this_site(headers: &HeaderMap, public_origin: Option<&str>) -> Option<bool> {
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        // `none`: typed into the address bar or opened from a bookmark.
        return Some(matches!(site, "same-origin" | "none"));
    }
    let expected = match public_origin {
        Some(o) => o.trim_end_matches('/').to_ascii_lowercase(),
        None => match text(header::HOST) {
            Some(host) => host.to_ascii_lowercase(),
            // No host to compare with: an origin named cannot be ours.
            None => {
                return (text(header::ORIGIN).is_some() || text(header::REFERER).is_some())
                    .then_some(false);
            }
        },
    };
    let matches = |origin: &str| {
        let origin = origin.trim_end_matches('/').to_ascii_lowercase();
        if public_origin.is_some() {
            origin == expected
        } else {
            // Any scheme, the same host and port.
            origin
                .split_once("://")
                .is_some_and(|(_, authority)| authority == expected)
        }
    };
    if let Some(origin) = text(header::ORIGIN) {
        return Some(origin != "null" && matches(origin));
    }
    let referer = text(header::REFERER)?;
    let origin = referer
        .split_once("://")
        .map(|(scheme, rest)| {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
            format!("{scheme}://{authority}")
        })
        .unwrap_or_default();
    Some(matches(&origin))
}

/// A bearer token, read exactly as `auth::token_from_headers` reads it (so
/// a request this guard lets pass never signs in with the cookie instead).
fn bearer(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer "))
}

/// Refuses cross-site state changes: forms, server functions, uploads,
/// sign-in and sign-out, and REST calls that ride the session cookie.
/// Where the browser names no origin at all, a request riding the session
/// cookie must carry the session's form token: in the `x-form-token`
/// header, or in its body (the hidden field of every form of ours).
pub async fn cross_site_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let safe = matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    );
    if safe || bearer(req.headers()) {
        return next.run(req).await;
    }
    let req = match from_this_site(req.headers(), state.config.public_origin.as_deref()) {
        Some(true) => req,
        Some(false) => return refuse(&req, "cross-site request refused"),
        None => match auth::cookie(req.headers(), auth::SESSION_COOKIE) {
            // No session to ride: nothing to protect here.
            None => req,
            Some(session) => {
                let limit = state
                    .config
                    .upload_max_bytes
                    .saturating_mul(6)
                    .saturating_add(1 << 20);
                match with_form_token(req, &auth::form_token(&session), limit).await {
                    Ok(req) => req,
                    Err(req) => {
                        return refuse(&req, "request without origin or form token refused");
                    }
                }
            }
        },
    };
    next.run(req).await
}

fn refuse(req: &Request, why: &'static str) -> Response {
    tracing::warn!(
        method = %req.method(),
        path = %req.uri().path(),
        origin = ?req.headers().get(header::ORIGIN),
        site = ?req.headers().get("sec-fetch-site"),
        "{why}"
    );
    ApiError::from(AppError::CrossSite).into_response()
}

/// The request back, whole, if it carries the form token in its header or
/// anywhere in its body (a form's field, urlencoded or multipart: the
/// token is hex, the same in both); the request without its body if not.
async fn with_form_token(req: Request, token: &str, limit: u64) -> Result<Request, Request> {
    let header_token = req
        .headers()
        .get(auth::FORM_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok());
    if header_token == Some(token) {
        return Ok(req);
    }
    let (parts, body) = req.into_parts();
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        return Err(Request::from_parts(parts, axum::body::Body::empty()));
    };
    let carried = bytes.windows(token.len()).any(|w| w == token.as_bytes());
    let req = Request::from_parts(parts, axum::body::Body::from(bytes));
    if carried { Ok(req) } else { Err(req) }
}

/// The client's address as the listener saw it (`unknown` where the app
/// is served without connection info, as in some tests).
pub struct ClientAddress(pub String);

impl axum::extract::FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        use axum::extract::ConnectInfo;
        // Behind a proxy every client arrives from the proxy: its header (the
        // last address in it, the one the proxy itself added) names the client.
        let forwarded = state
            .config
            .client_ip_header
            .as_deref()
            .and_then(|name| parts.headers.get(name))
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse::<std::net::IpAddr>().ok());
        let peer = parts
            .extensions
            .get::<ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientAddress(
            forwarded
                .or(peer)
                .map(network)
                .unwrap_or_else(|| "unknown".into()),
        ))
    }
}

/// An IPv4 address as it is; an IPv6 one by its /64 network, which one
/// client holds whole (a fresh address per guess would not be a new client).
fn network(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// The policy of answers that are not pages (JSON, files): nothing runs.
const NON_PAGE_POLICY: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Headers every answer carries. Pages get their Content-Security-Policy
/// (with the script nonce) from the shell; everything else the strictest.
/// Personal answers are not stored by browsers or proxies; the built
/// scripts and styles under `/pkg/` may be.
pub async fn headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let shared_asset = req.uri().path().starts_with("/pkg/");
    let path = req.uri().path().to_string();
    let mut res = next.run(req).await;
    let page = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if page && !res.headers().contains_key(header::CONTENT_SECURITY_POLICY) {
        // The shell sets a page's policy with its nonce; a page rendered
        // without it gets the policy from the nonce its scripts carry.
        tracing::warn!(%path, status = %res.status(), "page without its policy: taken from its scripts");
        res = with_policy_from_body(res).await;
    }
    let h = res.headers_mut();
    let static_value = header::HeaderValue::from_static;
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            static_value(NON_PAGE_POLICY),
        );
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, static_value("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, static_value("DENY"));
    h.insert(header::REFERRER_POLICY, static_value("same-origin"));
    h.insert("cross-origin-opener-policy", static_value("same-origin"));
    if state.config.secure_cookies {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            static_value("max-age=31536000; includeSubDomains"),
        );
    }
    if !shared_asset && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, static_value("no-store"));
    }
    res
}

/// Reads a page's body (pages are rendered whole before they are sent)
/// and sets the page policy with the nonce of its first inline script.
async fn with_policy_from_body(res: Response) -> Response {
    let (mut parts, body) = res.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let Ok(bytes) = axum::body::to_bytes(body, 16 << 20).await else {
        parts.status = axum::http::StatusCode::INTERNAL_SERVER_ERROR;
        return Response::from_parts(parts, axum::body::Body::empty());
    };
    let text = String::from_utf8_lossy(&bytes);
    let nonce = text
        .split("nonce=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .filter(|n| {
            n.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+/=_-".contains(c))
        })
        .unwrap_or_default()
        .to_string();
    if let Ok(v) = header::HeaderValue::from_str(&app::app::page_policy(&nonce)) {
        parts.headers.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::{from_this_site, network};

    #[test]
    fn an_ipv6_client_is_counted_by_its_network() {
        let a = network("2001:db8:1:2:aaaa::1".parse().expect("ip"));
        let b = network("2001:db8:1:2:bbbb::9".parse().expect("ip"));
        assert_eq!(a, b);
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_eq!(network("10.0.0.7".parse().expect("ip")), "10.0.0.7");
        assert_eq!(network("::ffff:10.0.0.7".parse().expect("ip")), "10.0.0.7");
    }
    use axum::http::{HeaderMap, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn a_browser_post_from_another_site_or_port_is_told_apart() {
        let host = ("host", "127.0.0.1:3000");
        for ok in [
            vec![host, ("sec-fetch-site", "same-origin")],
            vec![host, ("sec-fetch-site", "none")],
            vec![host, ("origin", "http://127.0.0.1:3000")],
            vec![host, ("referer", "http://127.0.0.1:3000/requests/5?x=1")],
        ] {
            assert_eq!(from_this_site(&headers(&ok), None), Some(true), "{ok:?}");
        }
        // Saying nothing is neither: the form token decides.
        assert_eq!(from_this_site(&headers(&[host]), None), None);
        assert_eq!(from_this_site(&headers(&[]), None), None);
        assert_eq!(
            from_this_site(&headers(&[("origin", "http://127.0.0.1:3000")]), None),
            Some(false),
            "an origin named without a host to compare with"
        );
        for bad in [
            vec![host, ("sec-fetch-site", "same-site")],
            vec![host, ("sec-fetch-site", "cross-site")],
            vec![
                host,
                ("sec-fetch-site", "cross-site"),
                ("origin", "http://127.0.0.1:3000"),
            ],
            vec![host, ("origin", "http://127.0.0.1:3001")],
            vec![host, ("origin", "http://evil.example")],
            vec![host, ("origin", "null")],
            vec![host, ("referer", "http://127.0.0.1:3000.evil.example/")],
        ] {
            assert_eq!(from_this_site(&headers(&bad), None), Some(false), "{bad:?}");
        }
        // With a configured public origin the scheme counts too.
        let public = Some("https://sd.example.gov.ru/");
        assert_eq!(
            from_this_site(&headers(&[("origin", "https://sd.example.gov.ru")]), public),
            Some(true)
        );
        assert_eq!(
            from_this_site(&headers(&[("origin", "http://sd.example.gov.ru")]), public),
            Some(false)
        );
    }
}
