//! The documentation of every registered code: what it finds, why it
//! matters, an example and the fix.
