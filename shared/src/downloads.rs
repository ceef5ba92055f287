//! The downloads the UI offers and `ecs-secrets export` prints, one text per
//! file, and the store-only `.zip` that "Download all" bundles them in.
//!
//! Both the UI and the CLI call [`Download::text`], so a file exported on the
//! command line is byte for byte the file downloaded from the page.

use crate::bundle::Bundle;
use crate::deploy_script::deploy_script;
use crate::workspace::Analysis;

/// One downloadable file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Download {
    TaskDefinition,
    TrustPolicy,
    ExecutionRolePolicy,
    KeyPolicyStatement,
    Bundle,
    DeployScript,
}

impl Download {
    /// Every download, in the order the UI lists them.
    pub const ALL: [Download; 6] = [
        Download::TaskDefinition,
        Download::TrustPolicy,
        Download::ExecutionRolePolicy,
        Download::KeyPolicyStatement,
        Download::Bundle,
        Download::DeployScript,
    ];

    pub fn file_name(self) -> &'static str {
        match self {
            Download::TaskDefinition => "task-definition.json",
            Download::TrustPolicy => "trust-policy.json",
            Download::ExecutionRolePolicy => "execution-role-policy.json",
            Download::KeyPolicyStatement => "key-policy-statement.json",
            Download::Bundle => "bundle.json",
            Download::DeployScript => "deploy.sh",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Download::DeployScript => "text/x-shellscript",
            _ => "application/json",
        }
    }

    /// The file's text for `bundle`, whose analysis is `analysis`.
    pub fn text(self, bundle: &Bundle, analysis: &Analysis) -> String {
        match self {
            Download::TaskDefinition => crate::import::export(&bundle.task_definition),
            Download::TrustPolicy => pretty(&analysis.trust_policy),
            Download::ExecutionRolePolicy => pretty(&analysis.permission_policy.policy),
            Download::KeyPolicyStatement => pretty(&analysis.key_policy_statements),
            Download::Bundle => pretty(bundle),
            Download::DeployScript => {
                deploy_script(bundle, &analysis.permission_policy, analysis.recommendation.as_ref())
            }
        }
    }
}

/// Pretty JSON with a final newline, like the CLI writes files.
fn pretty<T: serde::Serialize>(value: &T) -> String {
    let mut text = crate::json_text::pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// Every download of `bundle` in one `.zip` (`deploy.sh` executable).
pub fn zip_all(bundle: &Bundle, analysis: &Analysis) -> Vec<u8> {
    let texts: Vec<(Download, String)> = Download::ALL.iter().map(|d| (*d, d.text(bundle, analysis))).collect();
    let entries: Vec<ZipEntry<'_>> = texts
        .iter()
        .map(|(d, text)| ZipEntry {
            name: d.file_name(),
            data: text.as_bytes(),
            executable: *d == Download::DeployScript,
        })
        .collect();
    zip_store(&entries)
}

/// One file of a zip archive.
#[derive(Debug, Clone, Copy)]
pub struct ZipEntry<'a> {
    pub name: &'a str,
    pub data: &'a [u8],
    /// Unix mode 0755 instead of 0644.
    pub executable: bool,
}

/// A zip archive of `entries`, stored without compression (the files are a
/// few kilobytes; no deflate code in the UI's WASM). Timestamps are the
/// format's epoch (1980-01-01), so equal files give equal archives. Sizes
/// beyond 4 GiB (ZIP64) are not supported: the downloads are kilobytes.
pub fn zip_store(entries: &[ZipEntry<'_>]) -> Vec<u8> {
    const VERSION: u16 = 10; // 1.0: stored entries
    const UTF8_NAMES: u16 = 1 << 11;
    const DOS_DATE_1980_01_01: u16 = (1 << 5) | 1;
    let mut out = Vec::new();
    let mut central = Vec::new();
    for entry in entries {
        let offset = out.len() as u32;
        let crc = crc32(entry.data);
        let size = entry.data.len() as u32;
        let name = entry.name.as_bytes();
        let common = |buf: &mut Vec<u8>| {
            for half in [VERSION, UTF8_NAMES, 0, 0, DOS_DATE_1980_01_01] {
                buf.extend_from_slice(&half.to_le_bytes());
            }
            for word in [crc, size, size] {
                buf.extend_from_slice(&word.to_le_bytes());
            }
            buf.extend_from_slice(&(name.len() as u16).to_le_bytes());
            buf.extend_from_slice(&0u16.to_le_bytes()); // extra field length
        };
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        common(&mut out);
        out.extend_from_slice(name);
        out.extend_from_slice(entry.data);

        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&(0x0300 | VERSION).to_le_bytes()); // made by: Unix
        common(&mut central);
        for half in [0u16, 0, 0] {
            central.extend_from_slice(&half.to_le_bytes()); // comment, disk, internal attributes
        }
        let mode: u32 = if entry.executable { 0o100_755 } else { 0o100_644 };
        central.extend_from_slice(&(mode << 16).to_le_bytes());
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name);
    }
    let central_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    let count = entries.len() as u16;
    for half in [0u16, 0, count, count] {
        out.extend_from_slice(&half.to_le_bytes());
    }
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // comment length
    out
}

/// CRC-32 (IEEE 802.3, as zip uses), bit by bit: no table in the WASM.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::Workspace;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn archive_layout_is_what_readers_expect() {
        let zip = zip_store(&[
            ZipEntry { name: "a.txt", data: b"hello", executable: false },
            ZipEntry { name: "b.sh", data: b"echo", executable: true },
        ]);
        assert_eq!(&zip[..4], b"PK\x03\x04");
        let eocd = zip.len() - 22;
        assert_eq!(&zip[eocd..eocd + 4], b"PK\x05\x06");
        assert_eq!(u16::from_le_bytes([zip[eocd + 10], zip[eocd + 11]]), 2);
        let central = u32::from_le_bytes(zip[eocd + 16..eocd + 20].try_into().unwrap()) as usize;
        assert_eq!(&zip[central..central + 4], b"PK\x01\x02");
        // The local header of the first entry: CRC, sizes, name, data.
        assert_eq!(u32::from_le_bytes(zip[14..18].try_into().unwrap()), crc32(b"hello"));
        assert_eq!(&zip[30..35], b"a.txt");
        assert_eq!(&zip[35..40], b"hello");
    }

    #[test]
    fn zip_all_holds_every_download_as_is() {
        let ws = Workspace::seed_example();
        let (bundle, analysis) = (&ws.bundle, ws.analyze());
        let zip = zip_all(bundle, &analysis);
        for download in Download::ALL {
            let text = download.text(bundle, &analysis);
            let needle = [download.file_name().as_bytes(), text.as_bytes()].concat();
            assert!(zip.windows(needle.len()).any(|w| w == needle), "{} missing", download.file_name());
        }
    }
}
