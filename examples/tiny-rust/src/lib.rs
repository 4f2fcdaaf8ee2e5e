//! `tiny`: a wash plugin written in Rust without any crate and without
//! JavaScript. It targets the `plugin-guest` world of wash:plugin@0.2.1
//! (`wit/plugin.wit`) with the component model's canonical ABI written out by
//! hand for the few functions it uses, where a bindings generator
//! (wit-bindgen) would normally write it. Build: `scripts/build-rust-plugin.mjs`.
//!
//!   wash tiny greet [--greeting hello|hi|hey] [-s|--shout] [--exit <status>] [name]
//!   wash tiny fail [message]
//!
//! The canonical ABI in brief, for 32-bit wasm: a `string` or `list<T>` is a
//! (pointer, length) pair; a record lays its fields out in order, each at its
//! natural alignment (like `#[repr(C)]`); an `option`/`result`/`variant` is a
//! one-byte discriminant followed by the payload at the payload's alignment;
//! `bool` and small enums are one byte. A function whose results do not fit
//! one core value returns (export) or receives (import) a pointer to memory
//! where they are laid out. The host writes arguments into our memory through
//! `cabi_realloc`.

mod abi;
mod plugin;
use abi::*;
use plugin::*;

// ---------------------------------------------------------------------------
// What `info` returns

static GREET_PATH: Shared<[Str; 1]> = Shared([s("greet")]);
static FAIL_PATH: Shared<[Str; 1]> = Shared([s("fail")]);
static GREETINGS: Shared<[Str; 3]> = Shared([s("hello"), s("hi"), s("hey")]);
static GREET_FLAGS: Shared<[Flag; 3]> = Shared([
    Flag {
        long: s("greeting"),
        short: NONE,
        description: s("The word to greet with"),
        value_name: some("word"),
        default: some("hello"),
        required: 0,
        env: NONE,
        choices: list(&GREETINGS.0),
        repeatable: 0,
    },
    Flag {
        long: s("shout"),
        short: some("s"),
        description: s("Upper-case the greeting"),
        value_name: NONE,
        default: NONE,
        required: 0,
        env: NONE,
        choices: EMPTY,
        repeatable: 0,
    },
    Flag {
        long: s("exit"),
        short: NONE,
        description: s("Exit with this status after greeting"),
        value_name: some("status"),
        default: some("0"),
        required: 0,
        env: NONE,
        choices: EMPTY,
        repeatable: 0,
    },
]);
static GREET_ARGS: Shared<[Argument; 1]> =
    Shared([Argument { name: s("name"), description: s("Who to greet"), required: 0, variadic: 0 }]);
static GREET_EXAMPLES: Shared<[Str; 2]> = Shared([s("wash tiny greet Ada"), s("wash --output json tiny greet --shout")]);
static FAIL_ARGS: Shared<[Argument; 1]> =
    Shared([Argument { name: s("message"), description: s("Why"), required: 0, variadic: 0 }]);
static COMMANDS: Shared<[Command; 2]> = Shared([
    Command {
        path: list(&GREET_PATH.0),
        description: s("Print a greeting"),
        flags: list(&GREET_FLAGS.0),
        arguments: list(&GREET_ARGS.0),
        examples: list(&GREET_EXAMPLES.0),
    },
    Command { path: list(&FAIL_PATH.0), description: s("Fail with a message"), flags: EMPTY, arguments: list(&FAIL_ARGS.0), examples: EMPTY },
]);
static METADATA: Shared<Metadata> = Shared(Metadata {
    id: s("example.wash.tiny"),
    name: s("tiny"),
    version: s("0.1.0"),
    description: s("A minimal plugin written in Rust, without crates or JavaScript"),
    contact: NONE,
    url: some("https://github.com/wash-ts/wash-ts/tree/main/examples/tiny-rust"),
    license: some("Apache-2.0"),
    commands: list(&COMMANDS.0),
    groups: EMPTY,
    access: Access { env: EMPTY, scratch_dir: NONE, paths: EMPTY, outgoing_http: EMPTY, host_exec: EMPTY, incoming_http: NONE },
    hooks: EMPTY,
    provides_credentials: 0,
});

#[export_name = "wash:plugin/plugin@0.2.1#info"]
extern "C" fn info() -> *const Metadata {
    &METADATA.0
}

// ---------------------------------------------------------------------------
// Imports from `wash:plugin/host`

#[link(wasm_import_module = "wash:plugin/host@0.2.1")]
extern "C" {
    /// `requested-format: func() -> output-format` (0 = text, 1 = json)
    #[link_name = "requested-format"]
    fn host_requested_format() -> i32;
    /// `emit-json: func(json: string) -> result<_, string>`: the result is written at `ret`.
    #[link_name = "emit-json"]
    fn host_emit_json(ptr: *const u8, len: usize, ret: *mut u8);
}

/// `result<_, string>` as written by the host: discriminant, then the string at offset 4.
#[repr(C)]
struct UnitOrString {
    tag: u8,
    err: Str,
}

fn emit_json(json: &str) -> Result<(), String> {
    let mut ret = UnitOrString { tag: 0, err: Str { ptr: 0 as *const u8, len: 0 } };
    unsafe {
        host_emit_json(json.as_ptr(), json.len(), &mut ret as *mut UnitOrString as *mut u8);
        if ret.tag == 0 { Ok(()) } else { Err(read_str(&ret.err)) }
    }
}

fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

// ---------------------------------------------------------------------------
// `run: func(argv: list<string>) -> result<u8, run-error>`

enum RunError {
    Usage(String),
    Failure(String),
}

#[export_name = "wash:plugin/plugin@0.2.1#run"]
unsafe extern "C" fn run(argv_ptr: *const Str, argv_len: usize) -> *const u8 {
    run_result(dispatch(&read_argv(argv_ptr, argv_len)).map_err(|err| match err {
        RunError::Usage(m) => (0, m),
        RunError::Failure(m) => (1, m),
    }))
}

fn dispatch(argv: &[String]) -> Result<u8, RunError> {
    match argv.first().map(String::as_str) {
        Some("greet") => greet(&argv[1..]),
        Some("fail") => Err(RunError::Failure(argv.get(1).cloned().unwrap_or_else(|| "it failed".to_string()))),
        Some(other) => Err(RunError::Usage(format!("unknown command '{}' (one of: greet, fail)", other))),
        None => Err(RunError::Usage("missing command (one of: greet, fail)".to_string())),
    }
}

/// Parse `greet`'s argv as its metadata declares it: the host renders help
/// from the declaration and leaves parsing to the plugin.
fn greet(args: &[String]) -> Result<u8, RunError> {
    let mut greeting: Option<String> = None;
    let mut shout = false;
    let mut exit = "0".to_string();
    let mut name: Option<String> = None;
    let mut i = 0;
    let mut options_done = false;
    while i < args.len() {
        let token = args[i].as_str();
        let (key, inline) = match token.find('=') {
            Some(at) if token.starts_with("--") => (&token[..at], Some(token[at + 1..].to_string())),
            _ => (token, None),
        };
        let mut value = |what: &str| -> Result<String, RunError> {
            if let Some(v) = inline.clone() {
                return Ok(v);
            }
            i += 1;
            args.get(i).cloned().ok_or_else(|| RunError::Usage(format!("option '{}' needs a value <{}>", key, what)))
        };
        match key {
            "--" if !options_done => options_done = true,
            "--greeting" if !options_done => greeting = Some(value("word")?),
            "--exit" if !options_done => exit = value("status")?,
            "-s" | "--shout" if !options_done => {
                if inline.is_some() {
                    return Err(RunError::Usage("option '--shout' takes no value".to_string()));
                }
                shout = true
            }
            _ if !options_done && token.starts_with('-') && token.len() > 1 => {
                return Err(RunError::Usage(format!("unknown option '{}'", key)));
            }
            _ if name.is_none() => name = Some(token.to_string()),
            _ => return Err(RunError::Usage(format!("unexpected argument '{}'", token))),
        }
        i += 1;
    }
    let greeting = greeting.unwrap_or_else(|| "hello".to_string());
    if !["hello", "hi", "hey"].contains(&greeting.as_str()) {
        return Err(RunError::Usage(format!("invalid value '{}' for '--greeting' (one of: hello, hi, hey)", greeting)));
    }
    let status: u8 = exit.parse().map_err(|_| RunError::Usage(format!("--exit must be a status 0-255, not '{}'", exit)))?;
    let mut text = format!("{}, {}!", greeting, name.as_deref().unwrap_or("world"));
    if shout {
        text = text.to_uppercase();
    }
    if unsafe { host_requested_format() } == 1 {
        emit_json(&format!("{{\"greeting\":{}}}", json_string(&text))).map_err(RunError::Failure)?;
    } else {
        println!("{}", text);
    }
    Ok(status)
}

// ---------------------------------------------------------------------------
// `hook: func(event: hook-type) -> result<_, string>`: tiny declares none.

#[export_name = "wash:plugin/plugin@0.2.1#hook"]
unsafe extern "C" fn hook(_event: i32) -> *const u8 {
    hook_ok()
}
