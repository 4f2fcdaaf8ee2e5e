//! The records of `wash:plugin@0.2.1` (`wit/plugin.wit`) that `info` returns,
//! and the results `run` and `hook` hand back, in the canonical ABI's layout
//! (see lib.rs for the ABI in brief). Shared by examples/tiny-rust and the
//! test fixture test/fixtures/http-any (through `#[path]`: no crates here).
#![allow(dead_code)]

use crate::abi::*;

/// `record flag`
#[repr(C)]
pub struct Flag {
    pub long: Str,
    pub short: OptStr,
    pub description: Str,
    pub value_name: OptStr,
    pub default: OptStr,
    pub required: u8,
    pub env: OptStr,
    pub choices: List,
    pub repeatable: u8,
}

/// `record argument`
#[repr(C)]
pub struct Argument {
    pub name: Str,
    pub description: Str,
    pub required: u8,
    pub variadic: u8,
}

/// `record command`
#[repr(C)]
pub struct Command {
    pub path: List,
    pub description: Str,
    pub flags: List,
    pub arguments: List,
    pub examples: List,
}

/// `record access`
#[repr(C)]
pub struct Access {
    pub env: List,
    pub scratch_dir: OptStr,
    pub paths: List,
    pub outgoing_http: List,
    pub host_exec: List,
    pub incoming_http: OptStr,
}

/// `record metadata`
#[repr(C)]
pub struct Metadata {
    pub id: Str,
    pub name: Str,
    pub version: Str,
    pub description: Str,
    pub contact: OptStr,
    pub url: OptStr,
    pub license: OptStr,
    pub commands: List,
    pub groups: List,
    pub access: Access,
    pub hooks: List,
    pub provides_credentials: u8,
}

/// `run`'s argv as the host wrote it into our memory.
pub unsafe fn read_argv(ptr: *const Str, len: usize) -> Vec<String> {
    std::slice::from_raw_parts(ptr, len).iter().map(|s| read_str(s)).collect()
}

/// `result<u8, run-error>` laid out for the host: discriminant at 0, payload
/// at 4 (the status; or run-error: its discriminant at 4, its string at 8).
#[repr(C)]
struct RunResult {
    tag: u8,
    _pad: [u8; 3],
    payload_tag: u8, // ok: the status; err: 0 = usage, 1 = failure
    _pad2: [u8; 3],
    error: Str,
}

static mut RUN_RESULT: RunResult = RunResult { tag: 0, _pad: [0; 3], payload_tag: 0, _pad2: [0; 3], error: Str { ptr: 0 as *const u8, len: 0 } };
static mut RUN_MESSAGE: String = String::new();

/// What `run` returns for `result`: `Ok(status)`, or `Err((kind, message))`
/// with kind 0 for a usage error, 1 for a failure.
pub unsafe fn run_result(result: Result<u8, (u8, String)>) -> *const u8 {
    let out = &mut RUN_RESULT;
    match result {
        Ok(status) => {
            out.tag = 0;
            out.payload_tag = status;
        }
        Err((kind, message)) => {
            RUN_MESSAGE = message;
            out.tag = 1;
            out.payload_tag = kind;
            out.error = Str { ptr: RUN_MESSAGE.as_ptr(), len: RUN_MESSAGE.len() };
        }
    }
    out as *const RunResult as *const u8
}

static mut HOOK_RESULT: [u32; 3] = [0; 3];

/// What `hook` returns for `ok` (`result<_, string>`).
pub unsafe fn hook_ok() -> *const u8 {
    HOOK_RESULT = [0; 3];
    HOOK_RESULT.as_ptr() as *const u8
}
