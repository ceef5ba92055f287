//! Reading a secret value from the terminal without echo.
//!
//! Echo is turned off and input typed ahead is discarded *before* the prompt
//! is printed: characters typed while apply was still observing AWS would
//! otherwise be taken as (the start of) the value, and what is typed between
//! the prompt and the moment echo goes off would appear on the screen. The
//! line is read straight from the terminal (no userspace buffer keeps a copy)
//! into memory that is zeroed when dropped, and the terminal's settings are
//! restored afterwards, also when reading fails.

use std::io::{self, Write};
use std::os::fd::{AsFd, BorrowedFd};

use rustix::termios::{LocalModes, OptionalActions, QueueSelector, Termios, tcflush, tcgetattr, tcsetattr};
use secrecy::SecretString;
use zeroize::Zeroizing;

/// Prompts on stderr and reads one line from the terminal on stdin.
pub fn read_secret(prompt: &str) -> io::Result<SecretString> {
    let stdin = io::stdin();
    read_secret_from(stdin.as_fd(), &mut io::stderr(), prompt)
}

/// Prompts on `out` and reads one line from the terminal `tty`, not echoed.
pub fn read_secret_from(tty: BorrowedFd<'_>, out: &mut impl Write, prompt: &str) -> io::Result<SecretString> {
    let original = tcgetattr(tty)?;
    let mut quiet = original.clone();
    quiet.local_modes.remove(LocalModes::ECHO | LocalModes::ECHOE | LocalModes::ECHOK);
    // The Enter key still moves to the next line.
    quiet.local_modes.insert(LocalModes::ECHONL);
    tcsetattr(tty, OptionalActions::Now, &quiet)?;
    let _restore = Restore { tty, original };
    tcflush(tty, QueueSelector::IFlush)?;
    out.write_all(prompt.as_bytes())?;
    out.flush()?;
    let line = read_line(tty)?;
    let text = std::str::from_utf8(&line)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "the value typed is not UTF-8 text"))?;
    Ok(SecretString::from(text.trim_end_matches(['\n', '\r']).to_owned()))
}

/// Bytes up to and including the first newline (or end of input). In the
/// terminal's line mode one `read` returns at most one line.
fn read_line(tty: BorrowedFd<'_>) -> io::Result<Zeroizing<Vec<u8>>> {
    let mut line = Zeroizing::new(Vec::new());
    let mut chunk = Zeroizing::new([0u8; 1024]);
    loop {
        let read = match rustix::io::read(tty, &mut chunk[..]) {
            Ok(read) => read,
            Err(rustix::io::Errno::INTR) => continue,
            Err(error) => return Err(error.into()),
        };
        line.extend_from_slice(&chunk[..read]);
        if read == 0 || line.ends_with(b"\n") {
            return Ok(line);
        }
    }
}

/// Puts the terminal's settings back when dropped.
struct Restore<'fd> {
    tty: BorrowedFd<'fd>,
    original: Termios,
}

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        let _restored = tcsetattr(self.tty, OptionalActions::Now, &self.original);
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::os::fd::OwnedFd;
    use std::time::{Duration, Instant};

    use rustix::fs::{Mode, OFlags};
    use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
    use secrecy::ExposeSecret as _;

    use super::*;

    /// A real pseudo-terminal: (master, slave).
    fn pty() -> (OwnedFd, OwnedFd) {
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).unwrap();
        grantpt(&master).unwrap();
        unlockpt(&master).unwrap();
        let name = ptsname(&master, Vec::new()).unwrap();
        let slave = rustix::fs::open(name.as_c_str(), OFlags::RDWR | OFlags::NOCTTY, Mode::empty()).unwrap();
        (master, slave)
    }

    /// Reads what the terminal shows until `marker` appears.
    fn screen_until(master: &OwnedFd, marker: &str) -> String {
        let started = Instant::now();
        let mut screen = Vec::new();
        let mut chunk = [0u8; 256];
        while !String::from_utf8_lossy(&screen).contains(marker) {
            assert!(started.elapsed() < Duration::from_secs(10), "no {marker:?} on the terminal: {screen:?}");
            let read = rustix::io::read(master, &mut chunk[..]).unwrap();
            screen.extend_from_slice(&chunk[..read]);
        }
        String::from_utf8_lossy(&screen).into_owned()
    }

    #[test]
    fn typed_ahead_input_is_discarded_and_nothing_typed_is_echoed() {
        let (master, slave) = pty();
        // Typed while apply was still observing AWS: echoed by the terminal
        // then (echo was on) but must not become the value.
        rustix::io::write(&master, b"typed-ahead\n").unwrap();
        assert!(screen_until(&master, "typed-ahead").contains("typed-ahead"));
        let reader = std::thread::spawn(move || {
            // The prompt goes to the terminal itself, as on stderr.
            let mut tty_out = std::fs::File::from(slave.try_clone().unwrap());
            let value = read_secret_from(slave.as_fd(), &mut tty_out, "Value for /web/db (not echoed): ");
            let echo_restored = tcgetattr(&slave).unwrap().local_modes.contains(LocalModes::ECHO);
            (value.map(|v| v.expose_secret().to_owned()), echo_restored, slave)
        });
        screen_until(&master, "(not echoed): ");
        rustix::io::write(&master, b"canary-typed-value\n").unwrap();
        let (value, echo_restored, slave) = reader.join().unwrap();
        assert_eq!(value.unwrap(), "canary-typed-value");
        assert!(echo_restored, "echo is back on after the prompt");
        rustix::io::write(&slave, b"END-OF-SCREEN").unwrap();
        let after = screen_until(&master, "END-OF-SCREEN");
        assert!(!after.contains("canary-typed-value"), "the value was echoed: {after:?}");
    }
}
