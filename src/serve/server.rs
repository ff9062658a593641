//! HTTP side of `guidepost serve`: the built site from memory, the reload
//! script and stylesheet, and the Server-Sent Events stream.
//!
//! Security: responses come only from the in-memory [`SiteOutput`] map (its
//! `Disk` entries are files the build chose, never paths from a request).
//! Request paths with `..` or `.` segments, empty segments (`//etc/passwd`),
//! backslashes, NUL, or percent-encoded dots, slashes or backslashes are
//! refused with 400 before any lookup.

use std::convert::Infallible;
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use tokio::sync::broadcast;

use crate::plan::{OutputBody, SiteOutput};

/// Where the reload script, its stylesheet and the event stream live (behind
/// the base path when the site has one; also answered at the root).
pub const PREFIX: &str = "/__guidepost/";

const RELOAD_JS: &str = include_str!("reload.js");
const OVERLAY_CSS: &str = include_str!("overlay.css");

/// A message for every open event stream.
#[derive(Debug, Clone)]
pub struct Message {
    /// `reload`, `files` (outputs finished after a `reload`) or `error`.
    pub event: &'static str,
    /// JSON.
    pub data: String,
}

/// What the server shows: the last good site and the current error, if any.
pub struct Served {
    pub output: SiteOutput,
    /// Path prefix (`/docs`) or empty.
    pub base: String,
    /// `[embed]` settings: the framing headers every response gets, as a
    /// host with the generated headers files would send them.
    pub embed: crate::config::EmbedConfig,
}

/// State shared by the request handlers and the rebuild thread.
pub struct Shared {
    pub served: RwLock<Served>,
    /// JSON of the last failed rebuild, until a rebuild succeeds (sent to
    /// streams opened meanwhile, so a reloaded page shows the overlay again).
    pub error: RwLock<Option<String>>,
    pub events: broadcast::Sender<Message>,
    /// Adds `Content-Security-Policy: default-src 'self'` to every response.
    pub csp: bool,
    /// The site root (canonical): a file served from disk must still resolve
    /// inside it when it is read, even if it became a symlink since the build.
    pub root: std::path::PathBuf,
}

impl Shared {
    pub fn new(
        output: SiteOutput,
        base: String,
        csp: bool,
        root: std::path::PathBuf,
    ) -> Arc<Shared> {
        Arc::new(Shared {
            served: RwLock::new(Served {
                output,
                base,
                embed: Default::default(),
            }),
            error: RwLock::new(None),
            events: broadcast::channel(64).0,
            csp,
            root,
        })
    }
}

/// Connection limits of the dev server (`[serve]` in guidepost.toml).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time a connection has to send a whole request head, from opening or
    /// from its last response: slow-loris and idle keep-alive connections
    /// are closed after it.
    pub request_timeout: std::time::Duration,
    /// Connections served at once; further ones wait in the listen queue.
    pub max_connections: usize,
}

/// Accepts and serves connections until the future is dropped. hyper's
/// header-read timer runs from a connection's opening and again after each
/// response, so one timeout closes both slow and idle connections, while a
/// response being streamed (the event stream) is never cut. A semaphore caps
/// open connections, so idle clients cannot use up file descriptors.
pub async fn serve(listener: tokio::net::TcpListener, app: Router, limits: Limits) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors or similar: wait rather than spin.
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let service = TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let _slot = slot;
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.request_timeout);
            let _ = builder
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// The router: one handler for everything, so no framework path
/// normalisation runs before our checks.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

async fn handle(State(shared): State<Arc<Shared>>, req: Request<Body>) -> Response {
    let method = req.method().clone();
    let raw = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);
    drop(req);
    let mut resp = respond(&shared, &method, &raw, query.as_deref()).await;
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    let framing = {
        let served = shared.served.read().unwrap_or_else(|e| e.into_inner());
        let below_base = raw.strip_prefix(served.base.as_str()).unwrap_or(&raw);
        crate::features::embed::headers::for_path(&served.embed, below_base)
    };
    for (name, value) in framing {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    }
    if shared.csp && !h.contains_key("content-security-policy") {
        h.insert(
            "content-security-policy",
            HeaderValue::from_static("default-src 'self'"),
        );
    }
    resp
}

async fn respond(
    shared: &Arc<Shared>,
    method: &Method,
    raw: &str,
    query: Option<&str>,
) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n").into_response();
    }
    let Some(path) = clean_path(raw) else {
        return (StatusCode::BAD_REQUEST, "bad request path\n").into_response();
    };
    let base = shared
        .served
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .base
        .clone();
    // Our own endpoints, at the root or behind the base path.
    let own = path.strip_prefix(PREFIX).or_else(|| {
        path.strip_prefix(&base)
            .and_then(|p| p.strip_prefix(PREFIX))
    });
    if let Some(name) = own {
        return match name {
            "reload.js" => text(RELOAD_JS, "text/javascript; charset=utf-8"),
            "overlay.css" => text(OVERLAY_CSS, "text/css; charset=utf-8"),
            "events" => events(shared).into_response(),
            _ => not_found(shared, &base),
        };
    }
    // The site, behind its base path.
    let site_path = if base.is_empty() {
        Some(path.as_str())
    } else if path == base {
        return redirect(&format!("{base}/"), query);
    } else {
        path.strip_prefix(&base).filter(|p| p.starts_with('/'))
    };
    let Some(site_path) = site_path else {
        return not_found(shared, &base);
    };
    let key = site_path.trim_start_matches('/');
    let key = if key.is_empty() || key.ends_with('/') {
        format!("{key}index.html")
    } else {
        key.to_string()
    };
    let (body, dir_index) = {
        let served = shared.served.read().unwrap_or_else(|e| e.into_inner());
        let body = served.output.files.get(&key).cloned();
        let dir_index = body.is_none()
            && served
                .output
                .files
                .contains_key(&format!("{key}/index.html"));
        (body, dir_index)
    };
    if dir_index {
        return redirect(&format!("{path}/"), query);
    }
    match body {
        Some(body) => file_response(StatusCode::OK, &key, body, &base, &shared.root).await,
        None => not_found(shared, &base),
    }
}

/// Percent-decodes a request path after refusing anything that could name a
/// file outside the site. `None` means 400.
pub fn clean_path(raw: &str) -> Option<String> {
    let lower = raw.to_ascii_lowercase();
    if !raw.starts_with('/')
        || raw.contains('\\')
        || raw.contains('\0')
        || ["%2e", "%2f", "%5c", "%00"]
            .iter()
            .any(|e| lower.contains(e))
    {
        return None;
    }
    let decoded = percent_decode(raw)?;
    if decoded.contains('\\') || decoded.contains('\0') {
        return None;
    }
    let segments: Vec<&str> = decoded[1..].split('/').collect();
    let last = segments.len() - 1;
    for (i, s) in segments.iter().enumerate() {
        if *s == ".." || *s == "." || (s.is_empty() && i != last) {
            return None;
        }
    }
    Some(decoded)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn text(body: &'static str, content_type: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

fn redirect(location: &str, query: Option<&str>) -> Response {
    let location = match query {
        Some(q) => format!("{location}?{q}"),
        None => location.to_string(),
    };
    match HeaderValue::from_str(&location) {
        Ok(v) => (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, v)]).into_response(),
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

fn not_found(shared: &Arc<Shared>, base: &str) -> Response {
    let page = shared
        .served
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .output
        .files
        .get("404.html")
        .cloned();
    let html = match page.as_ref().map(OutputBody::bytes) {
        Some(Ok(b)) => String::from_utf8_lossy(&b).into_owned(),
        _ => "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not found</title></head><body><h1>Not found</h1></body></html>\n".to_string(),
    };
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        inject_reload(&html, base),
    )
        .into_response()
}

async fn file_response(
    status: StatusCode,
    key: &str,
    body: OutputBody,
    base: &str,
    root: &std::path::Path,
) -> Response {
    let bytes: Vec<u8> = match &body {
        OutputBody::Disk(p) => {
            let (p, root) = (p.clone(), root.to_path_buf());
            // Checked again at read time: the file may have become a symlink
            // out of the site since the last good build.
            let read = move || {
                let real = std::fs::canonicalize(&p)?;
                if !real.starts_with(&root) {
                    return Err(std::io::Error::from(std::io::ErrorKind::PermissionDenied));
                }
                std::fs::read(real)
            };
            match tokio::task::spawn_blocking(read).await {
                Ok(Ok(b)) => b,
                _ => return (StatusCode::NOT_FOUND, "file not readable\n").into_response(),
            }
        }
        other => match other.bytes() {
            Ok(b) => b.into_owned(),
            Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        },
    };
    let mime = mime_guess::from_path(key).first_or_octet_stream();
    let is_html = mime.essence_str() == "text/html";
    let content_type = if mime.type_() == "text"
        || matches!(
            mime.essence_str(),
            "application/javascript" | "application/json" | "application/xml" | "image/svg+xml"
        ) {
        format!("{}; charset=utf-8", mime.essence_str())
    } else {
        mime.essence_str().to_string()
    };
    let bytes = if is_html {
        inject_reload(&String::from_utf8_lossy(&bytes), base).into_bytes()
    } else {
        bytes
    };
    let mut resp = (status, bytes).into_response();
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    resp
}

/// Adds the reload script before `</body>` (else `</head>`, else at the end).
pub fn inject_reload(html: &str, base: &str) -> String {
    let tag = format!("<script src=\"{base}{PREFIX}reload.js\" defer></script>");
    let lower = html.to_ascii_lowercase();
    let at = lower.rfind("</body>").or_else(|| lower.find("</head>"));
    match at {
        Some(i) => format!("{}{tag}\n{}", &html[..i], &html[i..]),
        None => format!("{html}\n{tag}\n"),
    }
}

fn events(
    shared: &Arc<Shared>,
) -> Sse<impl futures_util::Stream<Item = Result<Event, Infallible>> + use<>> {
    let rx = shared.events.subscribe();
    let pending = shared
        .error
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let first = Some(match pending {
        Some(json) => Event::default().event("error").data(json),
        None => Event::default().comment("connected"),
    });
    let stream = futures_util::stream::unfold((rx, first), |(mut rx, mut first)| async move {
        if let Some(ev) = first.take() {
            return Some((Ok(ev), (rx, None)));
        }
        loop {
            match rx.recv().await {
                Ok(m) => {
                    return Some((Ok(Event::default().event(m.event).data(m.data)), (rx, None)));
                }
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_is_refused() {
        for bad in [
            "/../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/..%2fetc/passwd",
            "/%5c..",
            "//etc/passwd",
            "/a/./b",
            "/a\\b",
            "/%2E%2E/",
            "/a%00",
            "relative",
            // Encoded slashes and dots, even where the decoded path is harmless.
            "/a%2fb",
            "/%2ehidden",
        ] {
            assert_eq!(clean_path(bad), None, "{bad}");
        }
        assert_eq!(clean_path("/a%20b/").as_deref(), Some("/a b/"));
        assert_eq!(clean_path("/").as_deref(), Some("/"));
    }

    #[test]
    fn script_goes_before_body_end() {
        assert_eq!(
            inject_reload("<p>x</p></BODY></html>", ""),
            "<p>x</p><script src=\"/__guidepost/reload.js\" defer></script>\n</BODY></html>"
        );
        assert!(
            inject_reload("<head></head>", "/docs")
                .starts_with("<head><script src=\"/docs/__guidepost/")
        );
    }
}
