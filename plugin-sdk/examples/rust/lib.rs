//! echo-rust — a complete launch-agent builder plugin in Rust, with no crates.
//!
//! Component: builder "echo-rust" (library ID dev.launch-agent.examples.echo-rust).
//! Config:    one optional key, "message" (a string, default "hello from echo-rust");
//!            any other key is LA_ERR_CONFIG with a JSON pointer to it.
//! verify:    one check: does the host offer the process service?
//! build:     runs `echo MESSAGE IMAGE` in the build context through the host's process
//!            service, streams each output line to call->log, and emits
//!            {"image": IMAGE, "digest": null, "pushed": false}.
//!            A request with "job_id": "panic-test" panics on purpose, to show that the
//!            boundary turns a panic into LA_ERR_INTERNAL instead of unwinding into the host.
//!
//! Build:
//!   rustc --edition 2021 --crate-type cdylib -O -o libexample_rust.so lib.rs
//!
//! The ABI structs below are hand-written mirrors of plugin-sdk/include/launch_agent_plugin.h
//! (repr(C), same field order and types; `Option<extern "C" fn>` is a nullable function
//! pointer). Every function the host calls runs its body inside `std::panic::catch_unwind`:
//! a panic must never cross the C boundary (since Rust 1.81 it would abort the host).

use std::ffi::{c_char, c_void, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};

// ---------------------------------------------------------------------------------------
// ABI mirrors (launch_agent_plugin.h sections 1-7, only what this plugin uses)
// ---------------------------------------------------------------------------------------

type LaStatus = i32;
const LA_OK: LaStatus = 0;
const LA_ERR_INVALID_ARGUMENT: LaStatus = -1;
const LA_ERR_UNSUPPORTED: LaStatus = -2;
const LA_ERR_CANCELLED: LaStatus = -4;
const LA_ERR_IO: LaStatus = -7;
const LA_ERR_INTERNAL: LaStatus = -9;
const LA_ERR_CONFIG: LaStatus = -10;

const LA_LOG_WARNING: i32 = 1;
const LA_LOG_INFO: i32 = 2;

const LA_ABI_MAJOR: u32 = 1;
const LA_ABI_MINOR: u32 = 0;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct LaStr {
    ptr: *const c_char,
    len: u64,
}

impl LaStr {
    fn of(s: &str) -> LaStr {
        LaStr { ptr: s.as_ptr() as *const c_char, len: s.len() as u64 }
    }

    /// The borrowed bytes (valid for the duration of the call that passed them).
    unsafe fn bytes<'a>(self) -> &'a [u8] {
        if self.ptr.is_null() || self.len == 0 {
            &[]
        } else {
            std::slice::from_raw_parts(self.ptr as *const u8, self.len as usize)
        }
    }
}

#[repr(C)]
pub struct LaCall {
    struct_size: u32,
    reserved0: u32,
    host_data: *mut c_void,
    emit: Option<extern "C" fn(*const LaCall, LaStr)>,
    set_error: Option<extern "C" fn(*const LaCall, LaStatus, LaStr, LaStr)>,
    is_cancelled: Option<extern "C" fn(*const LaCall) -> u32>,
    progress: Option<extern "C" fn(*const LaCall, f64, LaStr)>,
    log: Option<extern "C" fn(*const LaCall, i32, LaStr)>,
}

#[repr(C)]
pub struct LaHost {
    struct_size: u32,
    abi_major: u32,
    abi_minor: u32,
    reserved0: u32,
    host_name: *const c_char,
    host_version: *const c_char,
    host_data: *mut c_void,
    log: Option<extern "C" fn(*const LaHost, i32, LaStr)>,
    get_service: Option<extern "C" fn(*const LaHost, *const c_char) -> *const c_void>,
}

#[repr(C)]
struct LaProcessSink {
    struct_size: u32,
    reserved0: u32,
    ctx: *mut c_void,
    /// Return 0 to continue, non-zero to stop the child.
    on_stdout: Option<extern "C" fn(*mut c_void, LaStr) -> i32>,
    on_stderr: Option<extern "C" fn(*mut c_void, LaStr) -> i32>,
    /// The service's failure, instead of set_error on the call: set_error's arguments (code,
    /// message, details_json), all borrowed.
    on_error: Option<extern "C" fn(*mut c_void, LaStatus, LaStr, LaStr)>,
}

#[repr(C)]
struct LaProcess {
    struct_size: u32,
    reserved0: u32,
    run: Option<
        extern "C" fn(*const LaHost, *const LaCall, LaStr, LaStr, *const LaProcessSink, *mut i32) -> LaStatus,
    >,
}

#[repr(C)]
pub struct LaComponent {
    struct_size: u32,
    flags: u32,
    kind: *const c_char,
    name: *const c_char,
    description: *const c_char,
    uri_patterns: *const c_char,
}

type LaOp = extern "C" fn(*mut c_void, *const LaCall, LaStr) -> LaStatus;

#[repr(C)]
pub struct LaBuilder {
    struct_size: u32,
    reserved0: u32,
    verify: Option<LaOp>,
    build: Option<LaOp>,
}

#[repr(C)]
pub struct LaPlugin {
    struct_size: u32,
    abi_major: u32,
    abi_minor: u32,
    min_host_minor: u32,
    id: *const c_char,
    name: *const c_char,
    version: *const c_char,
    vendor: *const c_char,
    component_count: u32,
    reserved0: u32,
    components: *const *const LaComponent,
    init: Option<extern "C" fn(*const LaHost, *const LaCall) -> LaStatus>,
    create: Option<extern "C" fn(*const LaHost, u32, LaStr, *const LaCall, *mut *mut c_void) -> LaStatus>,
    destroy: Option<extern "C" fn(*mut c_void)>,
    get_interface: Option<extern "C" fn(*mut c_void, *const c_char) -> *const c_void>,
}

// The descriptor is immutable static data shared by every thread.
unsafe impl Sync for LaPlugin {}
unsafe impl Sync for LaComponent {}
unsafe impl Sync for LaBuilder {}
#[repr(transparent)]
struct ComponentPtr(*const LaComponent);
unsafe impl Sync for ComponentPtr {}

/// LA_HAS_FIELD: is the struct behind `p` (which starts with its u32 struct_size) large
/// enough to hold a field that ends at `end` bytes? Use with `field_end!`.
unsafe fn has_field<T>(p: *const T, end: usize) -> bool {
    !p.is_null() && *(p as *const u32) as usize >= end
}

/// The offset just past pointer-sized `field` of struct `T` (offsetof + sizeof, as
/// LA_HAS_FIELD computes it). Every field this plugin checks is a function pointer.
macro_rules! field_end {
    ($T:ty, $field:ident) => {
        std::mem::offset_of!($T, $field) + std::mem::size_of::<*const c_void>()
    };
}

// ---------------------------------------------------------------------------------------
// The call object, wrapped
// ---------------------------------------------------------------------------------------

struct Call(*const LaCall);

impl Call {
    fn call(&self) -> &LaCall {
        unsafe { &*self.0 }
    }
    fn emit(&self, json: &str) {
        if let Some(emit) = self.call().emit {
            emit(self.0, LaStr::of(json));
        }
    }
    fn log(&self, level: i32, line: &str) {
        if let Some(log) = self.call().log {
            log(self.0, level, LaStr::of(line));
        }
    }
    fn progress(&self, fraction: f64, message: &str) {
        if let Some(progress) = self.call().progress {
            progress(self.0, fraction, LaStr::of(message));
        }
    }
    fn is_cancelled(&self) -> bool {
        self.call().is_cancelled.map_or(false, |f| f(self.0) != 0)
    }
    /// Records the error and returns its code.
    fn fail(&self, err: PluginError) -> LaStatus {
        if let Some(set_error) = self.call().set_error {
            let details = match &err.pointer {
                Some(p) => format!("{{\"pointer\":{},\"retryable\":{}}}", json_string(p), err.retryable),
                None if err.retryable => "{\"retryable\":true}".to_string(),
                None => String::new(),
            };
            set_error(self.0, err.code, LaStr::of(&err.message), LaStr::of(&details));
        }
        err.code
    }
}

struct PluginError {
    code: LaStatus,
    message: String,
    /// JSON pointer into the create document, for config errors.
    pointer: Option<String>,
    /// True when repeating the operation may succeed.
    retryable: bool,
}

fn error(code: LaStatus, message: impl Into<String>) -> PluginError {
    PluginError { code, message: message.into(), pointer: None, retryable: false }
}

/// Runs `body` for one operation: its Ok(result) is emitted, its Err recorded, and a panic
/// becomes LA_ERR_INTERNAL. Nothing unwinds past this function.
fn boundary(call: *const LaCall, operation: &str, body: impl FnOnce(&Call) -> Result<Option<String>, PluginError>) -> LaStatus {
    if call.is_null() {
        return LA_ERR_INVALID_ARGUMENT;
    }
    let call = Call(call);
    match catch_unwind(AssertUnwindSafe(|| body(&call))) {
        Ok(Ok(Some(result))) => {
            call.emit(&result);
            LA_OK
        }
        Ok(Ok(None)) => LA_OK,
        Ok(Err(err)) => call.fail(err),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            call.fail(error(LA_ERR_INTERNAL, format!("echo-rust panicked in {}: {}", operation, what)))
        }
    }
}

// ---------------------------------------------------------------------------------------
// A minimal JSON reader and writer
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Number(f64),
    Str(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }
}

struct Parser<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Parser<'a> {
    fn parse(bytes: &'a [u8]) -> Result<Json, String> {
        let mut p = Parser { bytes, at: 0 };
        let value = p.value(0)?;
        p.space();
        if p.at != bytes.len() {
            return Err(format!("unexpected data at byte {}", p.at));
        }
        Ok(value)
    }

    fn space(&mut self) {
        while self.at < self.bytes.len() && matches!(self.bytes[self.at], b' ' | b'\n' | b'\r' | b'\t') {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Result<(), String> {
        self.space();
        if self.bytes.get(self.at) == Some(&byte) {
            self.at += 1;
            Ok(())
        } else {
            Err(format!("expected '{}' at byte {}", byte as char, self.at))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, String> {
        if depth > 128 {
            return Err("nested too deeply".into());
        }
        self.space();
        match self.bytes.get(self.at) {
            Some(b'{') => {
                self.at += 1;
                let mut members = Vec::new();
                self.space();
                if self.bytes.get(self.at) == Some(&b'}') {
                    self.at += 1;
                    return Ok(Json::Object(members));
                }
                loop {
                    self.space();
                    let key = self.string()?;
                    self.eat(b':')?;
                    members.push((key, self.value(depth + 1)?));
                    self.space();
                    match self.bytes.get(self.at) {
                        Some(b',') => self.at += 1,
                        Some(b'}') => {
                            self.at += 1;
                            return Ok(Json::Object(members));
                        }
                        _ => return Err(format!("expected ',' or '}}' at byte {}", self.at)),
                    }
                }
            }
            Some(b'[') => {
                self.at += 1;
                let mut items = Vec::new();
                self.space();
                if self.bytes.get(self.at) == Some(&b']') {
                    self.at += 1;
                    return Ok(Json::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.space();
                    match self.bytes.get(self.at) {
                        Some(b',') => self.at += 1,
                        Some(b']') => {
                            self.at += 1;
                            return Ok(Json::Array(items));
                        }
                        _ => return Err(format!("expected ',' or ']' at byte {}", self.at)),
                    }
                }
            }
            Some(b'"') => Ok(Json::Str(self.string()?)),
            Some(_) => self.literal(),
            None => Err("unexpected end of input".into()),
        }
    }

    fn literal(&mut self) -> Result<Json, String> {
        let start = self.at;
        while self.at < self.bytes.len() && !matches!(self.bytes[self.at], b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
            self.at += 1;
        }
        let word = std::str::from_utf8(&self.bytes[start..self.at]).map_err(|_| "invalid UTF-8".to_string())?;
        match word {
            "null" => Ok(Json::Null),
            "true" => Ok(Json::Bool(true)),
            "false" => Ok(Json::Bool(false)),
            _ => word.parse::<f64>().map(Json::Number).map_err(|_| format!("unexpected '{}' at byte {}", word, start)),
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self.bytes.get(self.at..self.at + 4).ok_or("short \\u escape")?;
        let text = std::str::from_utf8(digits).map_err(|_| "invalid \\u escape")?;
        self.at += 4;
        u32::from_str_radix(text, 16).map_err(|_| "invalid \\u escape".to_string())
    }

    fn string(&mut self) -> Result<String, String> {
        if self.bytes.get(self.at) != Some(&b'"') {
            return Err(format!("expected a string at byte {}", self.at));
        }
        self.at += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let byte = *self.bytes.get(self.at).ok_or("unterminated string")?;
            self.at += 1;
            match byte {
                b'"' => return String::from_utf8(out).map_err(|_| "invalid UTF-8 in a string".to_string()),
                b'\\' => {
                    let escape = *self.bytes.get(self.at).ok_or("unterminated string")?;
                    self.at += 1;
                    let decoded = match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let mut code = self.hex4()?;
                            if (0xD800..0xDC00).contains(&code) {
                                if self.bytes.get(self.at..self.at + 2) != Some(b"\\u") {
                                    return Err("lone surrogate".into());
                                }
                                self.at += 2;
                                let low = self.hex4()?;
                                code = 0x10000 + ((code - 0xD800) << 10) + (low.wrapping_sub(0xDC00) & 0x3FF);
                            }
                            char::from_u32(code).ok_or("invalid \\u escape")?
                        }
                        _ => return Err("invalid escape".into()),
                    };
                    let mut utf8 = [0u8; 4];
                    out.extend_from_slice(decoded.encode_utf8(&mut utf8).as_bytes());
                }
                0x00..=0x1f => return Err("control character in a string".into()),
                _ => out.push(byte),
            }
        }
    }
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn pointer_token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// True when `a` looks like a misspelling of `b` (ignoring case and '_' vs '-', or at
/// most two single-character edits apart).
fn looks_like(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> Vec<char> { s.to_lowercase().chars().map(|c| if c == '_' { '-' } else { c }).collect() };
    let (a, b) = (norm(a), norm(b));
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = if a[i - 1] == b[j - 1] { 0 } else { 1 };
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        prev = cur;
    }
    prev[b.len()] <= 2
}

// ---------------------------------------------------------------------------------------
// The builder
// ---------------------------------------------------------------------------------------

const DEFAULT_MESSAGE: &str = "hello from echo-rust";

struct EchoBuilder {
    host: *const LaHost, // valid for the life of the process
    message: String,
}

impl EchoBuilder {
    fn from_config(host: *const LaHost, document: &Json) -> Result<EchoBuilder, PluginError> {
        let mut message = DEFAULT_MESSAGE.to_string();
        match document.get("config") {
            None | Some(Json::Null) => {}
            Some(Json::Object(members)) => {
                for (key, value) in members {
                    let config_error = |message: String| PluginError {
                        code: LA_ERR_CONFIG,
                        message,
                        pointer: Some(format!("/config/{}", pointer_token(key))),
                        retryable: false,
                    };
                    if key == "message" {
                        match value {
                            Json::Str(s) => message = s.clone(),
                            Json::Null => {}
                            _ => {
                                return Err(config_error("'message' must be a string".to_string()))
                            }
                        }
                    } else {
                        let hint = if looks_like(key, "message") {
                            "; did you mean 'message'?".to_string()
                        } else {
                            " (its only key is 'message')".to_string()
                        };
                        return Err(config_error(format!("unknown key '{}'{}", key, hint)));
                    }
                }
            }
            Some(_) => return Err(error(LA_ERR_INVALID_ARGUMENT, "the create document's \"config\" is not a JSON object")),
        }
        Ok(EchoBuilder { host, message })
    }

    fn process_service(&self) -> Option<&LaProcess> {
        unsafe {
            let host = &*self.host;
            if !has_field(self.host, field_end!(LaHost, get_service)) {
                return None;
            }
            let get_service = host.get_service?;
            let process = get_service(self.host, c"launch-agent.process/1".as_ptr()) as *const LaProcess;
            if !has_field(process, field_end!(LaProcess, run)) {
                return None;
            }
            (*process).run.map(|_| &*process)
        }
    }

    fn verify(&self) -> String {
        let (ok, detail, fix) = match self.process_service() {
            Some(_) => (true, "the host offers launch-agent.process/1", "null".to_string()),
            None => (false, "the host does not offer launch-agent.process/1", json_string("upgrade the agent")),
        };
        format!(
            "{{\"checks\":[{{\"name\":\"process service\",\"ok\":{},\"detail\":{},\"fix\":{}}}]}}",
            ok,
            json_string(detail),
            fix
        )
    }

    fn build(&self, call: &Call, request: &Json) -> Result<Option<String>, PluginError> {
        let image = request.get("image").and_then(Json::as_str);
        let context_dir = request.get("context_dir").and_then(Json::as_str);
        let (image, context_dir) = match (image, context_dir) {
            (Some(i), Some(c)) => (i, c),
            _ => {
                return Err(error(
                    LA_ERR_INVALID_ARGUMENT,
                    "the builder.build request needs the strings \"image\" and \"context_dir\"",
                ))
            }
        };
        if request.get("job_id").and_then(Json::as_str) == Some("panic-test") {
            panic!("job_id 'panic-test' asks echo-rust to panic");
        }
        if call.is_cancelled() {
            return Err(error(LA_ERR_CANCELLED, "the build was cancelled"));
        }
        let process = self.process_service().ok_or_else(|| {
            error(
                LA_ERR_UNSUPPORTED,
                "this host does not offer the launch-agent.process/1 service that echo-rust needs; upgrade the agent",
            )
        })?;

        let process_request = format!(
            "{{\"argv\":[\"echo\",{},{}],\"cwd\":{},\"inherit_env\":true}}",
            json_string(&self.message),
            json_string(image),
            json_string(context_dir)
        );
        call.progress(0.0, "running echo");
        let mut output = Output { call, stdout: Vec::new(), stderr: Vec::new(), error: None };
        let sink = LaProcessSink {
            struct_size: std::mem::size_of::<LaProcessSink>() as u32,
            reserved0: 0,
            ctx: &mut output as *mut Output as *mut c_void,
            on_stdout: Some(on_stdout),
            on_stderr: Some(on_stderr),
            on_error: Some(on_error),
        };
        let mut exit_status: i32 = 0;
        let run = process.run.expect("checked in process_service");
        let status = run(self.host, call.0, LaStr::of(&process_request), LaStr::of(""), &sink, &mut exit_status);
        output.finish();
        if status != LA_OK {
            // The service gave its reason to on_error (not to `call`): wrap it with what we were
            // doing, and keep the host's retryable verdict.
            let failure = output.error.take();
            let reason = failure.as_ref().map(|f| f.message.as_str());
            let mut err = error(
                status,
                format!("running echo failed: {}", reason.unwrap_or("the process service gave no reason")),
            );
            err.retryable = failure.map_or(false, |f| f.retryable);
            return Err(err);
        }
        if exit_status != 0 {
            return Err(error(LA_ERR_IO, format!("echo exited with status {}; see the build log above", exit_status)));
        }
        call.progress(1.0, "done");
        Ok(Some(format!("{{\"image\":{},\"digest\":null,\"pushed\":false}}", json_string(image))))
    }
}

/// Splits a child's output into lines and logs each one; keeps the service's error.
struct Output<'a> {
    call: &'a Call,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    /// What the process service reported through on_error (copied: it is borrowed).
    error: Option<ServiceFailure>,
}

/// A host service's failure as on_error reported it (its code is the one run() returns).
struct ServiceFailure {
    message: String,
    /// "retryable": true in the details the host would have given set_error.
    retryable: bool,
}

impl Output<'_> {
    fn feed(call: &Call, pending: &mut Vec<u8>, chunk: &[u8], level: i32) {
        for &byte in chunk {
            if byte == b'\n' {
                call.log(level, &String::from_utf8_lossy(pending));
                pending.clear();
            } else {
                pending.push(byte);
            }
        }
    }

    fn finish(&mut self) {
        if !self.stdout.is_empty() {
            self.call.log(LA_LOG_INFO, &String::from_utf8_lossy(&self.stdout));
        }
        if !self.stderr.is_empty() {
            self.call.log(LA_LOG_WARNING, &String::from_utf8_lossy(&self.stderr));
        }
    }
}

// The sink callbacks run on the thread that called run(), inside build()'s catch_unwind;
// they still catch panics themselves because they are called from C. They return 0 to let
// the program run on; a panic returns 1, which makes the host stop the program (run() then
// returns LA_ERR_CANCELLED).
extern "C" fn on_stdout(ctx: *mut c_void, chunk: LaStr) -> i32 {
    let fed = catch_unwind(AssertUnwindSafe(|| {
        let output = unsafe { &mut *(ctx as *mut Output) };
        Output::feed(output.call, &mut output.stdout, unsafe { chunk.bytes() }, LA_LOG_INFO);
    }));
    if fed.is_ok() { 0 } else { 1 }
}

extern "C" fn on_stderr(ctx: *mut c_void, chunk: LaStr) -> i32 {
    let fed = catch_unwind(AssertUnwindSafe(|| {
        let output = unsafe { &mut *(ctx as *mut Output) };
        Output::feed(output.call, &mut output.stderr, unsafe { chunk.bytes() }, LA_LOG_WARNING);
    }));
    if fed.is_ok() { 0 } else { 1 }
}

// on_error gets set_error's arguments: `details_json` is what the host would have recorded
// ({"retryable":true} when trying again may help, or empty).
extern "C" fn on_error(ctx: *mut c_void, _code: LaStatus, message: LaStr, details_json: LaStr) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        let output = unsafe { &mut *(ctx as *mut Output) };
        let message = String::from_utf8_lossy(unsafe { message.bytes() }).into_owned();
        let details = unsafe { details_json.bytes() };
        let retryable = !details.is_empty()
            && Parser::parse(details).map_or(false, |d| d.get("retryable") == Some(&Json::Bool(true)));
        output.error = Some(ServiceFailure { message, retryable });
    }));
}

// ---------------------------------------------------------------------------------------
// The functions the host calls
// ---------------------------------------------------------------------------------------

fn parse_request(request: LaStr, operation: &str) -> Result<Json, PluginError> {
    let bytes = unsafe { request.bytes() };
    if bytes.is_empty() {
        return Ok(Json::Object(Vec::new()));
    }
    match Parser::parse(bytes) {
        Ok(value @ Json::Object(_)) => Ok(value),
        Ok(_) => Err(error(LA_ERR_INVALID_ARGUMENT, format!("the {} request is not a JSON object", operation))),
        Err(why) => Err(error(LA_ERR_INVALID_ARGUMENT, format!("the {} request is not valid JSON: {}", operation, why))),
    }
}

extern "C" fn echo_create(
    host: *const LaHost,
    component_index: u32,
    config_json: LaStr,
    call: *const LaCall,
    out_instance: *mut *mut c_void,
) -> LaStatus {
    if !out_instance.is_null() {
        unsafe { *out_instance = std::ptr::null_mut() };
    }
    boundary(call, "create", |_call| {
        if host.is_null() || out_instance.is_null() || component_index != 0 {
            return Err(error(LA_ERR_INVALID_ARGUMENT, "echo-rust has one component (index 0)"));
        }
        let document = parse_request(config_json, "create")?;
        let builder = EchoBuilder::from_config(host, &document)?;
        unsafe { *out_instance = Box::into_raw(Box::new(builder)) as *mut c_void };
        Ok(None)
    })
}

extern "C" fn echo_destroy(instance: *mut c_void) {
    if !instance.is_null() {
        let _ = catch_unwind(AssertUnwindSafe(|| drop(unsafe { Box::from_raw(instance as *mut EchoBuilder) })));
    }
}

extern "C" fn echo_verify(instance: *mut c_void, call: *const LaCall, _request: LaStr) -> LaStatus {
    boundary(call, "builder.verify", |_call| {
        let builder = unsafe { (instance as *const EchoBuilder).as_ref() }.ok_or_else(|| error(LA_ERR_INVALID_ARGUMENT, "NULL instance"))?;
        Ok(Some(builder.verify()))
    })
}

extern "C" fn echo_build(instance: *mut c_void, call: *const LaCall, request: LaStr) -> LaStatus {
    boundary(call, "builder.build", |call| {
        let builder = unsafe { (instance as *const EchoBuilder).as_ref() }.ok_or_else(|| error(LA_ERR_INVALID_ARGUMENT, "NULL instance"))?;
        let request = parse_request(request, "builder.build")?;
        builder.build(call, &request)
    })
}

static BUILDER_INTERFACE: LaBuilder = LaBuilder {
    struct_size: std::mem::size_of::<LaBuilder>() as u32,
    reserved0: 0,
    verify: Some(echo_verify),
    build: Some(echo_build),
};

extern "C" fn echo_get_interface(_instance: *mut c_void, interface_id: *const c_char) -> *const c_void {
    let wanted = catch_unwind(|| !interface_id.is_null() && unsafe { CStr::from_ptr(interface_id) } == c"launch-agent.builder/1");
    if matches!(wanted, Ok(true)) {
        &BUILDER_INTERFACE as *const LaBuilder as *const c_void
    } else {
        std::ptr::null()
    }
}

// ---------------------------------------------------------------------------------------
// The descriptor and the entry point
// ---------------------------------------------------------------------------------------

static COMPONENT: LaComponent = LaComponent {
    struct_size: std::mem::size_of::<LaComponent>() as u32,
    flags: 0,
    kind: c"builder".as_ptr(),
    name: c"echo-rust".as_ptr(),
    description: c"example Rust builder: runs echo through the host's process service".as_ptr(),
    uri_patterns: std::ptr::null(),
};

static COMPONENTS: [ComponentPtr; 1] = [ComponentPtr(&COMPONENT)];

static PLUGIN: LaPlugin = LaPlugin {
    struct_size: std::mem::size_of::<LaPlugin>() as u32,
    abi_major: LA_ABI_MAJOR,
    abi_minor: LA_ABI_MINOR,
    min_host_minor: 0,
    id: c"dev.launch-agent.examples.echo-rust".as_ptr(),
    name: c"echo-rust".as_ptr(),
    version: c"0.1.0".as_ptr(),
    vendor: c"launch-agent examples".as_ptr(),
    component_count: 1,
    reserved0: 0,
    components: &COMPONENTS as *const [ComponentPtr; 1] as *const *const LaComponent,
    init: None,
    create: Some(echo_create),
    destroy: Some(echo_destroy),
    get_interface: Some(echo_get_interface),
};

/// The one exported symbol: returns the same static descriptor every time.
#[no_mangle]
pub extern "C" fn launch_agent_plugin_entry_v1() -> *const LaPlugin {
    &PLUGIN
}
