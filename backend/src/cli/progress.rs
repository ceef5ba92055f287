//! Progress of apply on stderr: one updating line per step on a terminal,
//! plain lines otherwise.

use std::collections::HashMap;
use std::io::Write;

use shared::plan::ProgressEvent;
use tokio::sync::mpsc;

/// Prints events until the sender side closes.
pub async fn print(mut events: mpsc::Receiver<ProgressEvent>, tty: bool) {
    let mut titles: HashMap<String, String> = HashMap::new();
    let mut stderr = std::io::stderr();
    while let Some(event) = events.recv().await {
        match event {
            ProgressEvent::Started { step_id, title } => {
                if tty {
                    let _ = write!(stderr, "  … {title}");
                } else {
                    let _ = writeln!(stderr, "started {step_id}: {title}");
                }
                titles.insert(step_id, title);
            }
            ProgressEvent::Done { step_id, detail } => {
                let detail = detail.map(|d| format!(" ({d})")).unwrap_or_default();
                if tty {
                    let title = titles.get(&step_id).map_or(step_id.as_str(), String::as_str);
                    let _ = writeln!(stderr, "\r\x1b[2K  ✓ {title}{detail}");
                } else {
                    let _ = writeln!(stderr, "done {step_id}{detail}");
                }
            }
            ProgressEvent::Failed { step_id, message, request_id } => {
                let request = request_id.map(|r| format!(" [request id {r}]")).unwrap_or_default();
                if tty {
                    let title = titles.get(&step_id).map_or(step_id.as_str(), String::as_str);
                    let _ = writeln!(stderr, "\r\x1b[2K  ✗ {title}: {message}{request}");
                } else {
                    let _ = writeln!(stderr, "failed {step_id}: {message}{request}");
                }
            }
        }
        let _ = stderr.flush();
    }
}
