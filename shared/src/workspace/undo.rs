//! Undo: snapshots of the whole workspace taken before destructive edits.

use super::Workspace;

/// Undo for destructive edits: snapshots taken before each one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UndoStack {
    entries: Vec<(String, Workspace)>,
}

impl UndoStack {
    /// The most snapshots kept; older ones are dropped.
    pub const LIMIT: usize = 50;

    /// Remembers `before` under a label ("Remove container web").
    pub fn push(&mut self, label: impl Into<String>, before: &Workspace) {
        if self.entries.len() == Self::LIMIT {
            self.entries.remove(0);
        }
        self.entries.push((label.into(), before.clone()));
    }

    /// The label of the edit that [`UndoStack::pop`] would undo.
    pub fn peek_label(&self) -> Option<&str> {
        self.entries.last().map(|(label, _)| label.as_str())
    }

    pub fn pop(&mut self) -> Option<Workspace> {
        self.entries.pop().map(|(_, ws)| ws)
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
