//! Progress of apply on stderr: on a terminal, a spinner line per running
//! step that turns into ✓ or ✗ when it ends; otherwise plain lines.

use std::collections::HashMap;
use std::io::Write;
use std::time::{Duration, Instant};

use shared::plan::ProgressEvent;
use tokio::sync::mpsc;

const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/// Prints events until the sender side closes.
pub async fn print(mut events: mpsc::Receiver<ProgressEvent>, tty: bool) {
    let mut titles: HashMap<String, String> = HashMap::new();
    let mut running: Option<(String, Instant)> = None;
    let mut frame = 0usize;
    let mut tick = tokio::time::interval(Duration::from_millis(120));
    let mut stderr = std::io::stderr();
    loop {
        let event = tokio::select! {
            event = events.recv() => match event {
                Some(event) => event,
                None => break,
            },
            _ = tick.tick(), if tty && running.is_some() => {
                if let Some((title, started)) = &running {
                    frame = (frame + 1) % FRAMES.len();
                    let _ = write!(stderr, "\r\x1b[2K  {} {title} ({}s)", FRAMES[frame], started.elapsed().as_secs());
                    let _ = stderr.flush();
                }
                continue;
            }
        };
        match event {
            ProgressEvent::Started { step_id, title } => {
                if tty {
                    let _ = write!(stderr, "\r\x1b[2K  {} {title}", FRAMES[0]);
                    running = Some((title.clone(), Instant::now()));
                } else {
                    let _ = writeln!(stderr, "started {step_id}: {title}");
                }
                titles.insert(step_id, title);
            }
            ProgressEvent::Done { step_id, detail } => {
                let detail = detail.map(|d| format!(" ({d})")).unwrap_or_default();
                let title = titles.get(&step_id).map_or(step_id.as_str(), String::as_str);
                let (on_tty, plain) = (format!("  ✓ {title}{detail}"), format!("done {step_id}{detail}"));
                end_step(&mut stderr, tty, &mut running, &on_tty, &plain);
            }
            ProgressEvent::Watching { step_id, message } => {
                if tty {
                    // Above the spinner line, which the next tick redraws.
                    let _ = writeln!(stderr, "\r\x1b[2K    · {message}");
                } else {
                    let _ = writeln!(stderr, "watching {step_id}: {message}");
                }
            }
            ProgressEvent::Failed { step_id, message, request_id } => {
                let request = request_id.map(|r| format!(" [request id {r}]")).unwrap_or_default();
                let title = titles.get(&step_id).map_or(step_id.as_str(), String::as_str);
                let (on_tty, plain) =
                    (format!("  ✗ {title}: {message}{request}"), format!("failed {step_id}: {message}{request}"));
                end_step(&mut stderr, tty, &mut running, &on_tty, &plain);
            }
        }
        let _ = stderr.flush();
    }
}

/// Ends a step's line: on a terminal the spinner line becomes `on_tty` and
/// the spinner stops; otherwise `plain` is printed.
fn end_step(stderr: &mut impl Write, tty: bool, running: &mut Option<(String, Instant)>, on_tty: &str, plain: &str) {
    if tty {
        let _ = writeln!(stderr, "\r\x1b[2K{on_tty}");
        *running = None;
    } else {
        let _ = writeln!(stderr, "{plain}");
    }
}
