//! Keeping credentials and secret values out of core dumps and debuggers.
//!
//! The process holds AWS credentials and, during apply, secret values. A
//! crash must not write them to a core file, and another process of the same
//! user must not attach a debugger (ptrace) or read `/proc/PID/mem`. So the
//! first thing `main` does is to mark the process non-dumpable
//! (`PR_SET_DUMPABLE` 0, which also makes ptrace need `CAP_SYS_PTRACE`) and
//! set the core-file size limit to zero, soft and hard.

/// Applies the protections; returns what could not be done, as warnings.
pub fn protect_process() -> Vec<String> {
    let mut warnings = Vec::new();
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{DumpableBehavior, Resource, Rlimit, set_dumpable_behavior, setrlimit};
        let none = Rlimit { current: Some(0), maximum: Some(0) };
        if let Err(error) = setrlimit(Resource::Core, none) {
            warnings.push(format!("cannot disable core dumps ({error}); a crash could write secrets to disk"));
        }
        if let Err(error) = set_dumpable_behavior(DumpableBehavior::NotDumpable) {
            warnings.push(format!("cannot mark the process non-dumpable ({error}); debuggers may attach to it"));
        }
    }
    warnings
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use rustix::process::{DumpableBehavior, Resource, Rlimit, dumpable_behavior, getrlimit};

    use super::*;

    #[test]
    fn the_process_becomes_non_dumpable_without_core_dumps() {
        assert_eq!(protect_process(), Vec::<String>::new());
        assert_eq!(dumpable_behavior().unwrap(), DumpableBehavior::NotDumpable);
        assert_eq!(getrlimit(Resource::Core), Rlimit { current: Some(0), maximum: Some(0) });
        // Idempotent: the hard limit is already 0, lowering it again is fine.
        assert_eq!(protect_process(), Vec::<String>::new());
    }
}
