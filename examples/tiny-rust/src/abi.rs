//! The canonical ABI's basic shapes for 32-bit wasm, and the allocator the
//! host writes arguments with. Shared by examples/tiny-rust and the test
//! fixture test/fixtures/http-any (through `#[path]`: no crates here).
#![allow(dead_code)]

use std::alloc::{alloc, realloc, Layout};

/// `string` (and `list<u8>`): pointer and length in bytes.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Str {
    pub ptr: *const u8,
    pub len: usize,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct OptStr {
    pub tag: u8, // 0 = none, 1 = some
    pub val: Str,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct List {
    pub ptr: *const u8,
    pub len: usize,
}

// Statics hold raw pointers to other statics; nothing mutates them.
#[repr(transparent)]
pub struct Shared<T>(pub T);
unsafe impl<T> Sync for Shared<T> {}

pub const fn s(text: &'static str) -> Str {
    Str { ptr: text.as_ptr(), len: text.len() }
}
pub const fn some(text: &'static str) -> OptStr {
    OptStr { tag: 1, val: s(text) }
}
pub const NONE: OptStr = OptStr { tag: 0, val: Str { ptr: 0 as *const u8, len: 0 } };
pub const EMPTY: List = List { ptr: 4 as *const u8, len: 0 }; // any aligned pointer will do for an empty list
pub const fn list<T>(items: &'static [T]) -> List {
    List { ptr: items.as_ptr() as *const u8, len: items.len() }
}

/// What the host allocates arguments with (strings, lists) before a call.
#[no_mangle]
unsafe extern "C" fn cabi_realloc(old: *mut u8, old_size: usize, align: usize, new_size: usize) -> *mut u8 {
    if new_size == 0 {
        return align as *mut u8;
    }
    let ptr = if old.is_null() || old_size == 0 {
        alloc(Layout::from_size_align_unchecked(new_size, align))
    } else {
        realloc(old, Layout::from_size_align_unchecked(old_size, align), new_size)
    };
    if ptr.is_null() {
        std::process::abort();
    }
    ptr
}

pub unsafe fn read_str(s: &Str) -> String {
    String::from_utf8_lossy(std::slice::from_raw_parts(s.ptr, s.len)).into_owned()
}

