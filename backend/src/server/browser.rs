//! `serve --open`: opening the UI in the user's browser without putting the
//! token on a command line.
//!
//! Command lines are visible to every local user (`ps`), and other local
//! users are exactly who the token keeps out. So the browser is given a
//! small redirect page in a private directory (mode 0700 on Unix) instead of
//! the URL itself, the way Jupyter does it. The page is removed when the
//! returned [`LaunchPage`] is dropped (when the server stops).

use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The private redirect page; removed on drop.
#[derive(Debug)]
pub struct LaunchPage {
    dir: PathBuf,
    page: PathBuf,
}

impl LaunchPage {
    /// Writes a page that redirects to `url` into a fresh private directory.
    pub fn write(url: &str) -> io::Result<Self> {
        let mut suffix = [0u8; 8];
        getrandom::fill(&mut suffix).map_err(io::Error::other)?;
        let suffix = suffix.iter().map(|b| format!("{b:02x}")).collect::<String>();
        let dir = std::env::temp_dir().join(format!("ecs-secrets-{suffix}"));
        create_private_dir(&dir)?;
        let page = dir.join("open.html");
        let escaped = url.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;");
        let html = format!(
            "<!doctype html>\n<html><head><meta charset=\"utf-8\">\
             <meta http-equiv=\"refresh\" content=\"0;url={escaped}\"><title>ecs-secrets</title></head>\
             <body><p><a href=\"{escaped}\">Open ecs-secrets</a></p></body></html>\n"
        );
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&page)?;
        file.write_all(html.as_bytes())?;
        Ok(Self { dir, page })
    }

    pub fn path(&self) -> &Path {
        &self.page
    }

    /// Asks the desktop to open the page; an error means no browser opened.
    pub fn open(&self) -> io::Result<()> {
        let mut command = opener(&self.page);
        let mut child = command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn()?;
        // Some openers stay until the browser exits; reap them off the server's path.
        std::thread::spawn(move || child.wait());
        Ok(())
    }
}

impl Drop for LaunchPage {
    fn drop(&mut self) {
        // Best effort: the directory lives in the temp dir anyway.
        let _already_gone = std::fs::remove_file(&self.page);
        let _already_gone = std::fs::remove_dir(&self.dir);
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt as _;
    std::fs::DirBuilder::new().mode(0o700).create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    std::fs::create_dir(dir)
}

fn opener(page: &Path) -> Command {
    if cfg!(target_os = "macos") {
        let mut command = Command::new("open");
        command.arg(page);
        command
    } else if cfg!(windows) {
        let mut command = Command::new("cmd");
        command.args(["/C", "start", ""]).arg(page);
        command
    } else {
        let mut command = Command::new("xdg-open");
        command.arg(page);
        command
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn launch_page_is_private_redirects_and_is_removed() {
        let page = LaunchPage::write("http://127.0.0.1:4780/#code=abc&x=\"y\"").unwrap();
        let html = std::fs::read_to_string(page.path()).unwrap();
        assert!(html.contains("content=\"0;url=http://127.0.0.1:4780/#code=abc&amp;x=&quot;y&quot;\""));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(page.path().parent().unwrap()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
        }
        let path = page.path().to_owned();
        drop(page);
        assert!(!path.exists());
    }
}
