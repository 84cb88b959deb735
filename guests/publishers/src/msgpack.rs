//! MessagePack as Python's `msgpack.dumps(obj, use_bin_type=True)` writes
//! a JSON-shaped object: the smallest integer form, floats as float 64,
//! strings as `str` (str8 allowed), maps in insertion order.

use serde_json::{Number, Value};

/// The MessagePack bytes of `value`.
pub fn dumps(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_value(value, &mut out);
    out
}

fn write_value(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.push(0xc0),
        Value::Bool(false) => out.push(0xc2),
        Value::Bool(true) => out.push(0xc3),
        Value::Number(n) => write_number(n, out),
        Value::String(s) => write_str(s, out),
        Value::Array(items) => {
            write_len(items.len(), 0x90, 0xdc, 0xdd, 15, out);
            for item in items {
                write_value(item, out);
            }
        }
        Value::Object(map) => {
            write_len(map.len(), 0x80, 0xde, 0xdf, 15, out);
            for (key, item) in map {
                write_str(key, out);
                write_value(item, out);
            }
        }
    }
}

/// A container header: the fix form up to `fix_max`, else 16- or 32-bit.
fn write_len(len: usize, fix: u8, m16: u8, m32: u8, fix_max: usize, out: &mut Vec<u8>) {
    if len <= fix_max {
        out.push(fix | len as u8);
    } else if let Ok(n) = u16::try_from(len) {
        out.push(m16);
        out.extend_from_slice(&n.to_be_bytes());
    } else {
        out.push(m32);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
}

fn write_str(text: &str, out: &mut Vec<u8>) {
    let len = text.len();
    if len <= 31 {
        out.push(0xa0 | len as u8);
    } else if let Ok(n) = u8::try_from(len) {
        out.push(0xd9);
        out.push(n);
    } else if let Ok(n) = u16::try_from(len) {
        out.push(0xda);
        out.extend_from_slice(&n.to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
    out.extend_from_slice(text.as_bytes());
}

fn write_number(n: &Number, out: &mut Vec<u8>) {
    if let Some(u) = n.as_u64() {
        write_unsigned(u, out);
    } else if let Some(i) = n.as_i64() {
        write_negative(i, out);
    } else {
        out.push(0xcb);
        out.extend_from_slice(&n.as_f64().unwrap_or(f64::NAN).to_be_bytes());
    }
}

fn write_unsigned(u: u64, out: &mut Vec<u8>) {
    if u < 0x80 {
        out.push(u as u8);
    } else if let Ok(v) = u8::try_from(u) {
        out.extend_from_slice(&[0xcc, v]);
    } else if let Ok(v) = u16::try_from(u) {
        out.push(0xcd);
        out.extend_from_slice(&v.to_be_bytes());
    } else if let Ok(v) = u32::try_from(u) {
        out.push(0xce);
        out.extend_from_slice(&v.to_be_bytes());
    } else {
        out.push(0xcf);
        out.extend_from_slice(&u.to_be_bytes());
    }
}

/// A negative integer (non-negative ones go through [`write_unsigned`]).
fn write_negative(i: i64, out: &mut Vec<u8>) {
    if i >= -32 {
        out.push(i as i8 as u8);
    } else if let Ok(v) = i8::try_from(i) {
        out.extend_from_slice(&[0xd0, v as u8]);
    } else if let Ok(v) = i16::try_from(i) {
        out.push(0xd1);
        out.extend_from_slice(&v.to_be_bytes());
    } else if let Ok(v) = i32::try_from(i) {
        out.push(0xd2);
        out.extend_from_slice(&v.to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&i.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::dumps;
    use serde_json::json;

    #[test]
    fn integers_take_the_smallest_form() {
        assert_eq!(dumps(&json!(0)), [0x00]);
        assert_eq!(dumps(&json!(127)), [0x7f]);
        assert_eq!(dumps(&json!(128)), [0xcc, 0x80]);
        assert_eq!(dumps(&json!(256)), [0xcd, 0x01, 0x00]);
        assert_eq!(dumps(&json!(65536)), [0xce, 0, 1, 0, 0]);
        assert_eq!(dumps(&json!(1u64 << 32)), [0xcf, 0, 0, 0, 1, 0, 0, 0, 0]);
        assert_eq!(dumps(&json!(-1)), [0xff]);
        assert_eq!(dumps(&json!(-32)), [0xe0]);
        assert_eq!(dumps(&json!(-33)), [0xd0, 0xdf]);
        assert_eq!(dumps(&json!(-129)), [0xd1, 0xff, 0x7f]);
        assert_eq!(dumps(&json!(-32769)), [0xd2, 0xff, 0xff, 0x7f, 0xff]);
        assert_eq!(dumps(&json!(i64::MIN))[0], 0xd3);
    }

    #[test]
    fn floats_are_float64() {
        assert_eq!(dumps(&json!(1.0)), [0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn strings_containers_and_constants() {
        assert_eq!(dumps(&json!(null)), [0xc0]);
        assert_eq!(dumps(&json!([true, false])), [0x92, 0xc3, 0xc2]);
        assert_eq!(
            dumps(&json!({"a": "é"})),
            [0x81, 0xa1, b'a', 0xa2, 0xc3, 0xa9]
        );
        let long = "x".repeat(32);
        let packed = dumps(&json!(long));
        assert_eq!(&packed[..2], &[0xd9, 32]);
        let many: Vec<u8> = (0..16).map(|_| 0u8).collect();
        assert_eq!(&dumps(&json!(many))[..3], &[0xdc, 0, 16]);
    }

    /// Bytes produced by Python's `msgpack.dumps(json.loads(text), use_bin_type=True)`.
    #[test]
    fn matches_python_msgpack() {
        let text = format!(
            r#"{{"a": [1, -40000, 5000000000, 1.5, null, true, "{}", -5, 200, -200], "é": {{}}}}"#,
            "x".repeat(40)
        );
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let hex: String = dumps(&value).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "82a1619a01d2ffff63c0cf000000012a05f200cb3ff8000000000000c0c3d928\
             78787878787878787878787878787878787878787878787878787878787878787878787878787878\
             fbccc8d1ff38a2c3a980"
        );
    }
}
