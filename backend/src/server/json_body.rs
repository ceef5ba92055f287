//! The JSON body extractor of the API: like `axum::Json`, but its failures
//! are [`AppError`]s that name the JSON pointer of the bad field, and its
//! messages never repeat the submitted values (an apply body carries
//! secret values; serde's "invalid type: string \"...\"" would echo them).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use super::AppError;

/// A request body parsed as JSON into `T`.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AppError> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(AppError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge
            } else {
                AppError::InvalidJson { path: None, message: "the request body could not be read".to_owned() }
            }
        })?;
        // An apply body carries secret values: the buffer is zeroed once
        // parsed (the body is collected into one buffer that only this
        // extractor holds, so taking it out of `Bytes` does not copy it).
        let body = Zeroizing::new(Vec::from(bytes));
        parse(&body).map(JsonBody)
    }
}

/// Parses `bytes` as `T`, reporting where and what, without echoing input.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let pointer = shared::json_pointer::pointer(error.path().iter().filter_map(|segment| match segment {
            serde_path_to_error::Segment::Seq { index } => Some(index.to_string()),
            serde_path_to_error::Segment::Map { key } => Some(key.clone()),
            serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => None,
        }));
        let message = describe(error.inner());
        AppError::InvalidJson { path: (!pointer.is_empty()).then_some(pointer), message }
    })
}

/// A description of a JSON error that keeps serde's expectation ("expected
/// a string") and position, but drops any quoted input.
fn describe(error: &serde_json::Error) -> String {
    let position = format!("line {} column {}", error.line(), error.column());
    match error.classify() {
        serde_json::error::Category::Syntax => format!("the body is not valid JSON (at {position})"),
        serde_json::error::Category::Eof => "the body ends before the JSON value is complete".to_owned(),
        serde_json::error::Category::Io => "the request body could not be read".to_owned(),
        serde_json::error::Category::Data => {
            let text = shared::json_locate::message_without_position(error);
            if text.starts_with("missing field `") || text.starts_with("duplicate field `") {
                // Only field names of our own types, never input.
                format!("{text} (at {position})")
            } else if let Some((_, expected)) = text.split_once(", expected ") {
                // "invalid type: string \"...\", expected X": the expectation comes
                // from our types; everything before it may quote the input.
                format!("wrong type or value, expected {expected} (at {position})")
            } else {
                format!("wrong type or value (at {position})")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[expect(dead_code, reason = "fields exist to be deserialised")]
    struct Body {
        name: String,
        items: Vec<BTreeMap<String, u32>>,
    }

    fn check(input: &str, expect_path: Option<&str>, expect_message: &str) {
        match parse::<Body>(input.as_bytes()) {
            Err(AppError::InvalidJson { path, message }) => {
                assert_eq!(path.as_deref(), expect_path, "path for {input}");
                assert_eq!(message, expect_message, "message for {input}");
            }
            other => panic!("expected InvalidJson for {input}, got {other:?}"),
        }
    }

    #[test]
    fn errors_name_the_pointer_and_never_the_value() {
        check(
            r#"{"name": 1, "items": []}"#,
            Some("/name"),
            "wrong type or value, expected a string (at line 1 column 10)",
        );
        check(
            r#"{"name": "n", "items": [{"a": 1}, {"b/c": "canary-value"}]}"#,
            Some("/items/1/b~1c"),
            "wrong type or value, expected u32 (at line 1 column 56)",
        );
        check(r#"{"name": "n"}"#, None, "missing field `items` (at line 1 column 13)");
        check(r#"{"name": "n", "#, None, "the body ends before the JSON value is complete");
        check(r#"{"name" "n"}"#, None, "the body is not valid JSON (at line 1 column 9)");
        check(r#""canary-value""#, None, "wrong type or value, expected struct Body (at line 1 column 14)");
    }
}
