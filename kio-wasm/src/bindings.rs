//! The JavaScript API (camelCase), a thin layer over [`crate::devtools`]:
//! JSON values become plain JS objects (an `int64` outside ±2^53 becomes a
//! `BigInt` so no precision is lost) and errors become thrown `Error`s with
//! `offset` and `path` properties.

use js_sys::{Array, BigInt, Object, Reflect, Uint8Array};
use serde_json::{Map, Number, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::devtools::{self, Error};

#[wasm_bindgen(typescript_custom_section)]
const TS: &'static str = include_str!("../kio_wasm.d.ts.part");

const SAFE: i64 = (1 << 53) - 1;

/// A `serde_json` value as a plain JS value.
pub fn to_js(v: &Value) -> JsValue {
    match v {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::Number(n) => number_to_js(n),
        Value::String(s) => JsValue::from_str(s),
        Value::Array(a) => {
            let out = Array::new_with_length(a.len() as u32);
            for (i, x) in a.iter().enumerate() {
                out.set(i as u32, to_js(x));
            }
            out.into()
        }
        Value::Object(m) => {
            let o = Object::new();
            for (k, x) in m {
                let _ = Reflect::set(&o, &JsValue::from_str(k), &to_js(x));
            }
            o.into()
        }
    }
}

fn number_to_js(n: &Number) -> JsValue {
    if let Some(i) = n.as_i64() {
        if (-SAFE..=SAFE).contains(&i) {
            JsValue::from_f64(i as f64)
        } else {
            BigInt::from(i).into()
        }
    } else if let Some(u) = n.as_u64() {
        BigInt::from(u).into()
    } else {
        JsValue::from_f64(n.as_f64().unwrap_or(f64::NAN))
    }
}

/// A plain JS value as a `serde_json` value. Integral numbers become
/// integers, `BigInt`s exact integers, a `Uint8Array` base64 text.
pub fn from_js(v: &JsValue) -> Result<Value, Error> {
    from_js_depth(v, 0)
}

fn shape(message: impl Into<String>) -> Error {
    Error {
        message: message.into(),
        offset: None,
        path: String::new(),
    }
}

fn from_js_depth(v: &JsValue, depth: usize) -> Result<Value, Error> {
    if depth > 64 {
        return Err(shape("value nested too deeply"));
    }
    if v.is_null() || v.is_undefined() {
        return Ok(Value::Null);
    }
    if let Some(b) = v.as_bool() {
        return Ok(Value::Bool(b));
    }
    if let Some(x) = v.as_f64() {
        if x.fract() == 0.0 && x.abs() <= SAFE as f64 {
            return Ok(Value::from(x as i64));
        }
        return Number::from_f64(x)
            .map(Value::Number)
            .ok_or_else(|| shape(format!("{x} is not a finite number")));
    }
    if let Some(s) = v.as_string() {
        return Ok(Value::String(s));
    }
    if v.is_bigint() {
        let s: String = v
            .clone()
            .unchecked_into::<BigInt>()
            .to_string(10)
            .map(String::from)
            .map_err(|_| shape("bad BigInt"))?;
        if let Ok(i) = s.parse::<i64>() {
            return Ok(Value::from(i));
        }
        return s
            .parse::<u64>()
            .map(Value::from)
            .map_err(|_| shape(format!("{s} does not fit 64 bits")));
    }
    if let Some(u8s) = v.dyn_ref::<Uint8Array>() {
        use base64::Engine as _;
        return Ok(Value::String(
            base64::engine::general_purpose::STANDARD.encode(u8s.to_vec()),
        ));
    }
    if Array::is_array(v) {
        let a: &Array = v.unchecked_ref();
        let mut out = Vec::with_capacity(a.length() as usize);
        for x in a.iter() {
            out.push(from_js_depth(&x, depth + 1)?);
        }
        return Ok(Value::Array(out));
    }
    if v.is_object() {
        let o: &Object = v.unchecked_ref();
        let mut m = Map::new();
        for k in Object::keys(o).iter() {
            let key = k.as_string().unwrap_or_default();
            let x = Reflect::get(o, &k).unwrap_or(JsValue::UNDEFINED);
            m.insert(key, from_js_depth(&x, depth + 1)?);
        }
        return Ok(Value::Object(m));
    }
    Err(shape("unsupported JavaScript value"))
}

/// A thrown `Error` with `offset` (or `undefined`) and `path`.
fn to_js_error(e: Error) -> JsValue {
    let err = js_sys::Error::new(&e.message);
    let _ = Reflect::set(
        &err,
        &"offset".into(),
        &e.offset
            .map_or(JsValue::UNDEFINED, |o| JsValue::from_f64(o as f64)),
    );
    let _ = Reflect::set(&err, &"path".into(), &JsValue::from_str(&e.path));
    err.into()
}

type JsResult = Result<JsValue, JsValue>;

fn out(r: Result<Value, Error>) -> JsResult {
    r.map(|v| to_js(&v)).map_err(to_js_error)
}

fn bytes_out(r: Result<Vec<u8>, Error>) -> Result<Uint8Array, JsValue> {
    r.map(|b| Uint8Array::from(b.as_slice()))
        .map_err(to_js_error)
}

/// `requestContext`: `undefined` for a request, `{apiKey, apiVersion}` of the
/// request for a response.
fn context(ctx: &JsValue) -> Result<Option<(i16, i16)>, JsValue> {
    if ctx.is_null() || ctx.is_undefined() {
        return Ok(None);
    }
    let get = |k: &str| {
        Reflect::get(ctx, &k.into())
            .ok()
            .and_then(|v| v.as_f64())
            .filter(|x| x.fract() == 0.0 && (i16::MIN as f64..=i16::MAX as f64).contains(x))
            .map(|x| x as i16)
    };
    match (get("apiKey"), get("apiVersion")) {
        (Some(k), Some(v)) => Ok(Some((k, v))),
        _ => Err(to_js_error(shape(
            "requestContext must be {apiKey, apiVersion} of the request",
        ))),
    }
}

fn small(x: f64, what: &str) -> Result<i16, JsValue> {
    if x.fract() == 0.0 && (i16::MIN as f64..=i16::MAX as f64).contains(&x) {
        Ok(x as i16)
    } else {
        Err(to_js_error(shape(format!(
            "{what} must be an int16, not {x}"
        ))))
    }
}

#[wasm_bindgen(js_name = decode, skip_typescript)]
pub fn js_decode(api_key: f64, version: f64, kind: &str, bytes: &[u8]) -> JsResult {
    out(devtools::decode(
        small(api_key, "apiKey")?,
        small(version, "version")?,
        kind,
        bytes,
    ))
}

#[wasm_bindgen(js_name = decodeFrame, skip_typescript)]
pub fn js_decode_frame(bytes: &[u8], request_context: JsValue) -> JsResult {
    out(devtools::decode_frame(bytes, context(&request_context)?))
}

#[wasm_bindgen(js_name = spans, skip_typescript)]
pub fn js_spans(api_key: f64, version: f64, kind: &str, bytes: &[u8]) -> JsResult {
    out(devtools::tree(
        small(api_key, "apiKey")?,
        small(version, "version")?,
        kind,
        bytes,
    ))
}

#[wasm_bindgen(js_name = frameSpans, skip_typescript)]
pub fn js_frame_spans(bytes: &[u8], request_context: JsValue) -> JsResult {
    out(devtools::frame_tree(bytes, context(&request_context)?))
}

#[wasm_bindgen(js_name = encode, skip_typescript)]
pub fn js_encode(
    api_key: f64,
    version: f64,
    kind: &str,
    body: JsValue,
) -> Result<Uint8Array, JsValue> {
    let body = from_js(&body).map_err(to_js_error)?;
    bytes_out(devtools::encode(
        small(api_key, "apiKey")?,
        small(version, "version")?,
        kind,
        &body,
    ))
}

#[wasm_bindgen(js_name = encodeDocument, skip_typescript)]
pub fn js_encode_document(doc: JsValue) -> Result<Uint8Array, JsValue> {
    let doc = from_js(&doc).map_err(to_js_error)?;
    bytes_out(devtools::encode_document(&doc))
}

#[wasm_bindgen(js_name = buildRequest, skip_typescript)]
pub fn js_build_request(
    api_key: f64,
    version: f64,
    correlation_id: f64,
    client_id: Option<String>,
    body: JsValue,
) -> Result<Uint8Array, JsValue> {
    let body = from_js(&body).map_err(to_js_error)?;
    if correlation_id.fract() != 0.0
        || !(i32::MIN as f64..=i32::MAX as f64).contains(&correlation_id)
    {
        return Err(to_js_error(shape("correlationId must be an int32")));
    }
    bytes_out(devtools::build_request(
        small(api_key, "apiKey")?,
        small(version, "version")?,
        correlation_id as i32,
        client_id.as_deref(),
        &body,
    ))
}

#[wasm_bindgen(js_name = apis, skip_typescript)]
pub fn js_apis() -> JsValue {
    to_js(&devtools::apis())
}

#[wasm_bindgen(js_name = messageSchema, skip_typescript)]
pub fn js_message_schema(api_key: f64, kind: &str) -> JsResult {
    out(devtools::message_schema(small(api_key, "apiKey")?, kind))
}

#[wasm_bindgen(js_name = schemaByName, skip_typescript)]
pub fn js_schema_by_name(name: &str) -> JsResult {
    out(devtools::schema_by_name(name))
}

#[wasm_bindgen(js_name = defaultBody, skip_typescript)]
pub fn js_default_body(api_key: f64, kind: &str) -> JsResult {
    out(devtools::default_body(small(api_key, "apiKey")?, kind))
}

#[wasm_bindgen(js_name = setMaxDecompressed, skip_typescript)]
pub fn js_set_max_decompressed(bytes: Option<f64>) -> Result<(), JsValue> {
    let n = match bytes {
        None => None,
        Some(b) if b >= 0.0 && b.fract() == 0.0 && b <= 9.0e15 => Some(b as usize),
        Some(_) => {
            return Err(to_js_error(shape(
                "maxDecompressed must be a whole number of bytes",
            )))
        }
    };
    devtools::set_max_decompressed(n);
    Ok(())
}

#[wasm_bindgen(js_name = inspectCapture, skip_typescript)]
pub fn js_inspect_capture(bytes: &[u8], port: JsValue) -> JsResult {
    let ports: Vec<u16> = if port.is_null() || port.is_undefined() {
        vec![9092]
    } else if Array::is_array(&port) {
        let a: &Array = port.unchecked_ref();
        a.iter()
            .filter_map(|p| p.as_f64())
            .filter(|p| (1.0..=65535.0).contains(p))
            .map(|p| p as u16)
            .collect()
    } else {
        match port.as_f64() {
            Some(p) if (1.0..=65535.0).contains(&p) && p.fract() == 0.0 => vec![p as u16],
            _ => return Err(to_js_error(shape("port must be a TCP port number"))),
        }
    };
    out(devtools::inspect_capture(bytes, &ports))
}

#[wasm_bindgen(js_name = parseBytes, skip_typescript)]
pub fn js_parse_bytes(text: &str) -> Result<Uint8Array, JsValue> {
    bytes_out(devtools::parse_bytes(text))
}

#[wasm_bindgen(js_name = toJson, skip_typescript)]
pub fn js_to_json(value: JsValue, pretty: Option<bool>) -> Result<String, JsValue> {
    let v = from_js(&value).map_err(to_js_error)?;
    let s = if pretty.unwrap_or(false) {
        serde_json::to_string_pretty(&v)
    } else {
        serde_json::to_string(&v)
    };
    s.map_err(|e| to_js_error(shape(e.to_string())))
}

#[wasm_bindgen(js_name = version, skip_typescript)]
pub fn js_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

#[wasm_bindgen(js_name = errorCode, skip_typescript)]
pub fn js_error_code(code: f64) -> JsResult {
    if code.fract() != 0.0 || !(i16::MIN as f64..=i16::MAX as f64).contains(&code) {
        return Err(to_js_error(shape(format!(
            "an error code is an int16, not {code}"
        ))));
    }
    Ok(to_js(&crate::meaning::error_code(code as i64)))
}

#[wasm_bindgen(js_name = errorCodes, skip_typescript)]
pub fn js_error_codes() -> JsValue {
    to_js(&crate::meaning::error_codes())
}

#[wasm_bindgen(js_name = enumValues, skip_typescript)]
pub fn js_enum_values(about: &str) -> JsValue {
    let v: Vec<Value> = crate::meaning::enum_values(about)
        .into_iter()
        .map(|(n, m)| Value::Array(vec![n.into(), m.into()]))
        .collect();
    to_js(&Value::Array(v))
}
