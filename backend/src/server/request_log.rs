//! The request log: method, path, status, error code and latency — never
//! the query, headers (`Authorization` carries the token) or bodies (apply
//! carries secret values). Internal errors are logged here with their
//! detail, which the client never sees.

use std::time::Duration;

use axum::http::{Request, Response};
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{MakeSpan, OnResponse, TraceLayer};
use tracing::Span;

use super::error::LoggedError;

/// The tower layer that writes the request log.
pub type RequestLogLayer =
    TraceLayer<SharedClassifier<ServerErrorsAsFailures>, RequestSpan, (), ResponseLog, (), (), ()>;

pub fn layer() -> RequestLogLayer {
    TraceLayer::new_for_http()
        .make_span_with(RequestSpan)
        .on_request(())
        .on_response(ResponseLog)
        .on_body_chunk(())
        .on_eos(())
        .on_failure(())
}

/// A span per request holding only the method and the path.
#[derive(Debug, Clone, Copy)]
pub struct RequestSpan;

impl<B> MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, request: &Request<B>) -> Span {
        tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
    }
}

/// One line per response.
#[derive(Debug, Clone, Copy)]
pub struct ResponseLog;

impl<B> OnResponse<B> for ResponseLog {
    fn on_response(self, response: &Response<B>, latency: Duration, _span: &Span) {
        let status = response.status().as_u16();
        let latency_ms = latency.as_millis();
        match response.extensions().get::<LoggedError>() {
            Some(LoggedError { code, detail: Some(detail) }) => {
                tracing::error!(status, code, detail = %detail, latency_ms, "request failed")
            }
            Some(LoggedError { code, detail: None }) => tracing::info!(status, code, latency_ms, "request refused"),
            None => tracing::info!(status, latency_ms, "request served"),
        }
    }
}
