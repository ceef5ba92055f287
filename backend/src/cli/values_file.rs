//! The `--values FILE` of `apply`, `plan` and `rotate`: secret values as
//! JSON `{"<secret name>": "<value>"}`, read into memory only.
//!
//! Errors say where the file is wrong and how, never what it holds (a
//! message quoting the text could quote a secret).

use std::path::Path;

use anyhow::Context as _;
use secrecy::{ExposeSecret, SecretString};
use shared::bundle::SecretValues;

/// Reads a values file. The text is held in a `SecretString` so it is
/// zeroed when dropped. A file that others may read gets a warning (the way
/// ssh warns about a private key), and any error is [`super::BadInput`].
pub fn read_values(path: &Path) -> anyhow::Result<SecretValues> {
    if let Some(warning) = values_file_permissions_warning(path) {
        eprintln!("warning: {warning}");
    }
    parse_values(path).map_err(|e| super::BadInput(e).into())
}

/// A warning when `path` is readable or writable by its group or others.
#[cfg(unix)]
pub fn values_file_permissions_warning(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then(|| {
        format!(
            "permissions {mode:04o} for values file {} are too open: other users can read the secret values in it; \
             run `chmod 600 {}`",
            path.display(),
            path.display()
        )
    })
}

#[cfg(not(unix))]
pub fn values_file_permissions_warning(_path: &Path) -> Option<String> {
    None
}

fn parse_values(path: &Path) -> anyhow::Result<SecretValues> {
    let text = SecretString::from(
        std::fs::read_to_string(path).with_context(|| format!("cannot read values file {}", path.display()))?,
    );
    serde_json::from_str(text.expose_secret()).map_err(|e| {
        // serde_json's own message can quote the offending value (a secret):
        // report only where and what kind of problem it is.
        let kind = match e.classify() {
            serde_json::error::Category::Io => "cannot be read",
            serde_json::error::Category::Syntax => "is not valid JSON",
            serde_json::error::Category::Data => "has the wrong shape (every value must be a string)",
            serde_json::error::Category::Eof => "ends too early",
        };
        anyhow::anyhow!(
            "values file {}: line {}, column {}: {kind}; expected {{\"<secret name>\": \"<value>\"}}",
            path.display(),
            e.line(),
            e.column()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_file_errors_never_quote_a_value() {
        let path = std::env::temp_dir().join(format!("ecs-secrets-values-{}.json", std::process::id()));
        for (text, expect) in [
            (r#"{"/web/db": 987654321}"#, "wrong shape"),
            (r#"{"/web/db": "canary-7f3e9b1c""#, "ends too early"),
            (r#"{"/web/db": canary-7f3e9b1c}"#, "not valid JSON"),
        ] {
            std::fs::write(&path, text).unwrap();
            let message = read_values(&path).unwrap_err().to_string();
            assert!(message.contains(expect), "{message}");
            assert!(!message.contains("987654321") && !message.contains("canary"), "{message}");
        }
        std::fs::write(&path, r#"{"/web/db": "canary-7f3e9b1c"}"#).unwrap();
        let values = read_values(&path).unwrap();
        assert_eq!(values.get("/web/db").map(|v| v.expose_secret().len()), Some(15));
        let _ = std::fs::remove_file(&path);
    }

    #[cfg(unix)]
    #[test]
    fn a_values_file_others_can_read_gets_a_warning() {
        use std::os::unix::fs::PermissionsExt as _;
        let path = std::env::temp_dir().join(format!("ecs-secrets-values-mode-{}.json", std::process::id()));
        std::fs::write(&path, "{}").unwrap();
        for (mode, warned) in [(0o600, false), (0o400, false), (0o640, true), (0o644, true), (0o606, true)] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let warning = values_file_permissions_warning(&path);
            assert_eq!(warning.is_some(), warned, "mode {mode:o}: {warning:?}");
            if let Some(warning) = warning {
                assert!(warning.contains(&format!("{mode:04o}")) && warning.contains("chmod 600"), "{warning}");
            }
        }
        let _ = std::fs::remove_file(&path);
    }
}
