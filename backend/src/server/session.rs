//! The one-time launch code: how the page gets the session token without
//! the token ever being in a URL.
//!
//! `serve` prints `http://127.0.0.1:PORT/#code=<launch code>`. A URL stays in
//! the browser's history (fragment included), so it must not carry anything
//! that still works later: the page trades the code, once, for the session
//! token with a same-origin `POST /api/session` (the token is in the answer's
//! body, marked `no-store`) and keeps the token in `sessionStorage`, which
//! survives a reload of that tab and is gone when the tab closes. A second
//! use of the code is refused, so a link found in the history is useless.

use std::sync::Mutex;

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};

use super::json_body::JsonBody;
use super::{AccessToken, AppError, AppState, Deployer};

/// The launch code of one server, usable once.
#[derive(Debug)]
pub struct LaunchCode {
    state: Mutex<CodeState>,
}

#[derive(Debug)]
enum CodeState {
    /// Not used yet: the code (its text is printed once, in the launch URL).
    Fresh(AccessToken),
    /// Exchanged: kept to tell "already used" from "wrong".
    Used(AccessToken),
    /// The server has no launch code (tests that hand the token directly).
    Unset,
}

/// What exchanging a code can answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exchange {
    /// The code was fresh and is now spent.
    Granted,
    AlreadyUsed,
    Wrong,
}

impl LaunchCode {
    /// 256 bits from the operating system's random generator.
    pub fn generate() -> Result<Self, getrandom::Error> {
        Ok(Self::from_code(AccessToken::generate()?))
    }

    pub fn from_code(code: AccessToken) -> Self {
        Self { state: Mutex::new(CodeState::Fresh(code)) }
    }

    pub fn unset() -> Self {
        Self { state: Mutex::new(CodeState::Unset) }
    }

    /// The code's text while it is unused (for the launch URL).
    pub fn text(&self) -> Option<String> {
        match &*self.lock() {
            CodeState::Fresh(code) => Some(code.expose().to_owned()),
            CodeState::Used(_) | CodeState::Unset => None,
        }
    }

    /// Spends the code when `candidate` is it (compared in constant time).
    pub fn exchange(&self, candidate: &str) -> Exchange {
        let mut state = self.lock();
        match std::mem::replace(&mut *state, CodeState::Unset) {
            CodeState::Fresh(code) if code.matches(candidate) => {
                *state = CodeState::Used(code);
                Exchange::Granted
            }
            CodeState::Used(code) => {
                let verdict = if code.matches(candidate) { Exchange::AlreadyUsed } else { Exchange::Wrong };
                *state = CodeState::Used(code);
                verdict
            }
            other => {
                *state = other;
                Exchange::Wrong
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CodeState> {
        // A poisoned lock only means another request panicked mid-exchange;
        // the state itself is always whole.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// `POST /api/session` body.
#[derive(Debug, Deserialize)]
pub struct SessionRequest {
    pub code: String,
}

/// `POST /api/session` answer.
#[derive(Debug, Serialize)]
pub struct SessionGrant {
    pub token: String,
}

/// Trades the launch code for the session token, once.
pub async fn exchange<D: Deployer>(
    State(state): State<AppState<D>>,
    JsonBody(request): JsonBody<SessionRequest>,
) -> Result<Json<SessionGrant>, AppError> {
    match state.guard.launch_code().exchange(request.code.trim()) {
        Exchange::Granted => Ok(Json(SessionGrant { token: state.guard.token().expose().to_owned() })),
        Exchange::AlreadyUsed => Err(AppError::Unauthorized(
            "this launch link was already used (it works once): go back to the tab that opened it, or restart \
             `ecs-secrets serve` for a new link",
        )),
        Exchange::Wrong => Err(AppError::Unauthorized(
            "this launch code is not this server's: open the URL that the running `ecs-secrets serve` printed",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_works_once() {
        let code = LaunchCode::from_code(AccessToken::from_text("c0de"));
        assert_eq!(code.text().as_deref(), Some("c0de"));
        assert_eq!(code.exchange("wrong"), Exchange::Wrong);
        assert_eq!(code.exchange("c0de"), Exchange::Granted);
        assert_eq!(code.text(), None, "a spent code is not printed again");
        assert_eq!(code.exchange("c0de"), Exchange::AlreadyUsed);
        assert_eq!(code.exchange("wrong"), Exchange::Wrong);
        assert_eq!(LaunchCode::unset().exchange(""), Exchange::Wrong);
    }
}
