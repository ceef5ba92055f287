//! Security headers on every response, and the Content-Security-Policy of
//! the UI page.
//!
//! The base policy allows only our own files, WebAssembly compilation and
//! no framing. trunk's `index.html` starts the app with an inline
//! `<script type="module">` (and may inline CSS); rather than allowing all
//! inline code, [`policy_for_document`] allows exactly the inline blocks of
//! the page being served, by their SHA-256 hash (CSP level 2 hash sources),
//! computed from the file as it is on disk when it is served — so a rebuilt
//! frontend works without restarting the server.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The policy of every response that does not carry its own.
pub const BASE_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Directives that end every policy: no framing, no `<base>` that would
/// re-point the page's relative URLs, no form submissions anywhere.
const CLOSING_DIRECTIVES: &str = "; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Middleware: the security headers, on every response (API, static files,
/// errors). A response that already has a CSP (the UI page) keeps it.
pub async fn add(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(BASE_POLICY));
    }
    let fixed: [(HeaderName, &str); 5] = [
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        // Other sites may not embed our files (no-cors <script>/<img> loads)
        // nor keep a handle on our window.
        (HeaderName::from_static("cross-origin-resource-policy"), "same-origin"),
        (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// Middleware for `/api/*`: answers are never cached by the browser.
pub async fn no_store(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The policy for an HTML page: the base policy plus the hashes of the
/// page's own inline `<script>` and `<style>` blocks.
pub fn policy_for_document(html: &str) -> String {
    let scripts = inline_blocks(html, "script").map(|text| hash_source(&text)).collect::<Vec<_>>();
    let styles = inline_blocks(html, "style").map(|text| hash_source(&text)).collect::<Vec<_>>();
    let mut policy = String::from("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'");
    for hash in &scripts {
        policy.push(' ');
        policy.push_str(hash);
    }
    if !styles.is_empty() {
        policy.push_str("; style-src 'self'");
        for hash in &styles {
            policy.push(' ');
            policy.push_str(hash);
        }
    }
    policy.push_str(CLOSING_DIRECTIVES);
    policy
}

/// `'sha256-…'` for an inline block's text.
fn hash_source(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest))
}

/// The text of each `<tag …>…</tag>` element of `html` that has no `src`
/// attribute, as the browser hashes it: line endings normalised to `\n` (the
/// HTML parser does that before anything else). Script and style contents
/// are raw text in HTML, so no entity decoding is involved.
fn inline_blocks<'a>(html: &'a str, tag: &'a str) -> impl Iterator<Item = String> + 'a {
    let lower = html.to_ascii_lowercase();
    let open = format!("<{tag}");
    let close = format!("</{tag}");
    let mut from = 0;
    std::iter::from_fn(move || {
        loop {
            let start = from + lower[from..].find(&open)?;
            let after_name = start + open.len();
            // `<scripts>` or `<style-x>` are other elements.
            if !lower[after_name..].starts_with(|c: char| c == '>' || c == '/' || c.is_ascii_whitespace()) {
                from = after_name;
                continue;
            }
            let tag_end = after_name + lower[after_name..].find('>')?;
            let body_start = tag_end + 1;
            let body_end = body_start + lower[body_start..].find(&close)?;
            from = body_end;
            if has_src_attribute(&lower[after_name..tag_end]) {
                continue;
            }
            return Some(html[body_start..body_end].replace("\r\n", "\n").replace('\r', "\n"));
        }
    })
}

fn has_src_attribute(attributes: &str) -> bool {
    attributes
        .split(|c: char| c.is_ascii_whitespace() || c == '/')
        .any(|word| word == "src" || word.starts_with("src="))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_and_styles_are_found_and_external_ones_skipped() {
        let html = "<html><head><script src=\"/a.js\"></script><style>b{}</style>\
                    <SCRIPT type=\"module\">\r\nimport x;\n</SCRIPT><scripts>no</scripts></head></html>";
        assert_eq!(inline_blocks(html, "script").collect::<Vec<_>>(), ["\nimport x;\n"]);
        assert_eq!(inline_blocks(html, "style").collect::<Vec<_>>(), ["b{}"]);
    }

    #[test]
    fn hash_matches_the_csp_spec_example() {
        // The empty script's well-known CSP hash.
        assert_eq!(hash_source(""), "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='");
    }

    #[test]
    fn document_policy_lists_hashes_and_keeps_the_base_directives() {
        let policy = policy_for_document("<body><script type=\"module\"></script></body>");
        assert_eq!(
            policy,
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' \
             'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='; frame-ancestors 'none'; base-uri 'none'; \
             form-action 'none'"
        );
        assert_eq!(policy_for_document("<p>no scripts</p>"), BASE_POLICY);
        assert!(BASE_POLICY.ends_with(CLOSING_DIRECTIVES));
    }
}
