//! The connection itself, before any route: how long a client may take to send its headers and its
//! whole request, how many requests run at once, and the headers every answer carries.
//!
//! `axum::serve` sets none of these (a connection that never finished its headers was held open
//! for good), so [`serve`] drives hyper itself: a header read timeout on every HTTP/1 connection,
//! graceful shutdown, and the peer address as `ConnectInfo` for [`super::extract::ClientIp`].

use super::AppError;
use axum::extract::{ConnectInfo, Request};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// The limits of one listener.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// A client must have sent all of a request's headers within this (slowloris).
    pub header_timeout: Duration,
    /// A whole request, body and answer included, within this; HRD's timeout must fit inside.
    pub request_timeout: Duration,
    /// Requests in progress at once; beyond it `503 busy` at once rather than a queue.
    pub max_in_flight: usize,
}

/// Serves `router` on `listener` with `limits` until `shutdown`, then lets the requests in flight
/// finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    builder.http2().timer(TokioTimer::new());
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: the next accept may work.
                    tracing::warn!(error = %e, "accept failed");
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service =
            router
                .clone()
                .map_request(move |mut request: Request<hyper::body::Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(peer));
                    request
                });
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service))
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A client going away mid-request is its own business, not an error of ours.
            let _ = connection.await;
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Middleware state: the permits of [`Limits::max_in_flight`] and the request timeout.
#[derive(Clone)]
pub struct Guard {
    in_flight: Arc<Semaphore>,
    request_timeout: Duration,
}

impl Guard {
    pub fn new(limits: &Limits) -> Guard {
        Guard {
            in_flight: Arc::new(Semaphore::new(limits.max_in_flight)),
            request_timeout: limits.request_timeout,
        }
    }
}

/// Middleware: a request runs only with a permit (else `503 busy` with `Retry-After`), and only
/// for the request timeout (else `408 request_timeout`; a slow body is cut off with it).
pub async fn guard(
    axum::extract::State(guard): axum::extract::State<Guard>,
    request: Request,
    next: Next,
) -> Response {
    let Ok(_permit) = guard.in_flight.clone().try_acquire_owned() else {
        return AppError::Busy.into_response();
    };
    match tokio::time::timeout(guard.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => AppError::RequestTimeout.into_response(),
    }
}

/// Middleware: what every answer says about itself. `nosniff` everywhere (a JSON error is never
/// run as a script); the API's answers are never stored (they carry receipts and counts); the
/// server's own HTML pages (the sandbox's demo LMS and carrier page) may not be framed and send
/// no referrer.
pub async fn headers(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/v1/");
    let mut response = next.run(request).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    let h = response.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if api {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if html {
        // A header of its own: a page's own policy (the demo's strict CSP) is kept, and both apply.
        h.append(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("frame-ancestors 'none'"),
        );
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
    }
    response
}
