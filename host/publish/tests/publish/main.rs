//! Integration tests of the transports against real local endpoints: files, HTTP servers and UDP
//! sockets started by the tests, and the RabbitMQ broker on 127.0.0.1:5672.

mod file;
mod gnocchi;
mod http;
mod https;
mod notifier;
mod prometheus;
mod support;
mod udp;
mod url;
