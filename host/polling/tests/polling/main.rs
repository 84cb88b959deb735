//! nepho-polling against the real things: libvirt's test driver (in this
//! process, and `virsh` for the reference values), RabbitMQ on 127.0.0.1:5672,
//! and this machine's /proc.

mod compute;
mod faults;
mod host;
mod notifier;
mod support;
