//! `virConnectGetAllDomainStats`, which the `virt` crate exposes only as raw
//! records: one call for every domain's statistics groups, copied into owned
//! maps. This is the crate's only unsafe code; it is confined to reading
//! what libvirt returned and freeing it once.
#![allow(unsafe_code)]

use std::collections::HashMap;
use std::ffi::{CStr, c_char};

use virt::connect::Connect;
use virt::error::Error;
use virt::sys;

/// One typed statistics value.
#[derive(Debug, Clone, PartialEq)]
pub enum StatValue {
    /// A signed integer (`int`, `llong`).
    Int(i64),
    /// An unsigned integer (`uint`, `ullong`).
    UInt(u64),
    /// A double.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A string.
    Text(String),
}

impl StatValue {
    /// The value as an unsigned integer, if it is a non-negative number.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            StatValue::UInt(v) => Some(*v),
            StatValue::Int(v) => u64::try_from(*v).ok(),
            _ => None,
        }
    }

    /// The value as text, if it is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            StatValue::Text(s) => Some(s),
            _ => None,
        }
    }
}

/// A domain's statistics by field name (`vcpu.0.time`, `perf.cpu_cycles`, `block.0.rd.times`).
pub type DomainStats = HashMap<String, StatValue>;

/// Reads one typed parameter.
fn read_param(param: &sys::virTypedParameter) -> Option<(String, StatValue)> {
    let bytes: Vec<u8> = param.field.iter().map(|c| *c as u8).collect();
    let name = CStr::from_bytes_until_nul(&bytes)
        .ok()?
        .to_string_lossy()
        .into_owned();
    // SAFETY: `type_` says which member of the union libvirt wrote.
    let value = unsafe {
        match u32::try_from(param.type_).ok()? {
            sys::VIR_TYPED_PARAM_INT => StatValue::Int(i64::from(param.value.i)),
            sys::VIR_TYPED_PARAM_UINT => StatValue::UInt(u64::from(param.value.ui)),
            sys::VIR_TYPED_PARAM_LLONG => StatValue::Int(param.value.l),
            sys::VIR_TYPED_PARAM_ULLONG => StatValue::UInt(param.value.ul),
            sys::VIR_TYPED_PARAM_DOUBLE => StatValue::Float(param.value.d),
            sys::VIR_TYPED_PARAM_BOOLEAN => StatValue::Bool(param.value.b != 0),
            sys::VIR_TYPED_PARAM_STRING => {
                let s = param.value.s;
                if s.is_null() {
                    return None;
                }
                // SAFETY: libvirt's string parameters are NUL-terminated and
                // live until the record list is freed.
                StatValue::Text(CStr::from_ptr(s).to_string_lossy().into_owned())
            }
            _ => return None,
        }
    };
    Some((name, value))
}

/// Every domain's statistics (all groups the driver supports), by domain UUID.
pub fn all_domain_stats(conn: &Connect) -> Result<HashMap<String, DomainStats>, Error> {
    let mut records: *mut sys::virDomainStatsRecordPtr = std::ptr::null_mut();
    // SAFETY: a valid connection; libvirt allocates the NULL-terminated
    // record list, freed below with virDomainStatsRecordListFree.
    let count = unsafe { sys::virConnectGetAllDomainStats(conn.as_ptr(), 0, &mut records, 0) };
    if count < 0 || records.is_null() {
        return Err(Error::last_error());
    }
    let mut out = HashMap::with_capacity(usize::try_from(count).unwrap_or(0));
    for index in 0..usize::try_from(count).unwrap_or(0) {
        // SAFETY: `records` holds `count` record pointers.
        let record = unsafe { *records.add(index) };
        if record.is_null() {
            continue;
        }
        // SAFETY: a record libvirt returned, valid until the list is freed.
        let record = unsafe { &*record };
        let mut uuid = [0 as c_char; sys::VIR_UUID_STRING_BUFLEN as usize];
        // SAFETY: the buffer has VIR_UUID_STRING_BUFLEN bytes, as the API requires.
        if unsafe { sys::virDomainGetUUIDString(record.dom, uuid.as_mut_ptr()) } != 0 {
            continue;
        }
        let uuid_bytes: Vec<u8> = uuid.iter().map(|c| *c as u8).collect();
        let Ok(uuid) = CStr::from_bytes_until_nul(&uuid_bytes) else {
            continue;
        };
        let params: &[sys::virTypedParameter] = match usize::try_from(record.nparams) {
            Ok(n) if n > 0 && !record.params.is_null() => {
                // SAFETY: libvirt gives `nparams` parameters at `params`.
                unsafe { std::slice::from_raw_parts(record.params, n) }
            }
            _ => &[],
        };
        let stats: DomainStats = params.iter().filter_map(read_param).collect();
        out.insert(uuid.to_string_lossy().into_owned(), stats);
    }
    // SAFETY: the list libvirt allocated above, freed once.
    unsafe { sys::virDomainStatsRecordListFree(records) };
    Ok(out)
}
