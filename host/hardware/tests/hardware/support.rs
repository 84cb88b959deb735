//! Real agents for the tests: an snmpd and an ipmi_sim of their own (own
//! ports, own files, killed when dropped), the net-snmp and ipmitool
//! command-line tools to compare with, a UDP relay that counts and drops
//! datagrams, and log capture.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A file under the repository's `tests/fixtures`.
pub fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(relative)
}

/// A UDP port nobody listens on right now.
pub fn free_udp_port() -> u16 {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind an ephemeral UDP port");
    socket.local_addr().expect("local address").port()
}

fn free_tcp_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral TCP port");
    listener.local_addr().expect("local address").port()
}

/// Runs a command to completion; panics with its output when it fails.
fn run(command: &mut Command) -> String {
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e} (is it installed? see .ci/setup)"));
    assert!(
        output.status.success(),
        "{command:?} failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A child process killed (by its own handle) when dropped.
struct Guarded(Child);

impl Drop for Guarded {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An snmpd of the test's own, on 127.0.0.1 and a free port.
pub struct Snmpd {
    _child: Guarded,
    /// Its UDP port.
    pub port: u16,
    _dir: tempfile::TempDir,
}

/// SNMPv2c community of the test snmpd.
pub const COMMUNITY: &str = "nephopub";

impl Snmpd {
    /// Starts snmpd with tests/fixtures/snmp/snmpd.conf.in and waits until it answers.
    pub fn start() -> Snmpd {
        let dir = tempfile::tempdir().expect("temporary directory");
        let port = free_udp_port();
        let template = std::fs::read_to_string(fixture("snmp/snmpd.conf.in")).expect("fixture");
        let conf = dir.path().join("snmpd.conf");
        std::fs::write(&conf, template.replace("@PORT@", &port.to_string())).expect("write conf");
        let log = std::fs::File::create(dir.path().join("snmpd.log")).expect("log file");
        let child = Command::new("snmpd")
            .arg("-f")
            .arg("-Lo")
            .arg("-C")
            .arg("-c")
            .arg(&conf)
            .env("SNMP_PERSISTENT_DIR", dir.path().join("persist"))
            .env("MIBS", "")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start snmpd (Debian package snmpd)");
        let snmpd = Snmpd {
            _child: Guarded(child),
            port,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let probe = Command::new("snmpget")
                .args(snmpget_v2c_args(port))
                .arg("1.3.6.1.2.1.1.3.0")
                .output();
            if probe.is_ok_and(|o| o.status.success()) {
                return snmpd;
            }
            assert!(
                Instant::now() < deadline,
                "snmpd on port {port} did not answer"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `host:port`.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The v2c resource URL.
    pub fn v2c_url(&self) -> String {
        format!("snmp://{COMMUNITY}@127.0.0.1:{}", self.port)
    }
}

fn snmpget_v2c_args(port: u16) -> Vec<String> {
    [
        "-m", "", "-On", "-Oqv", "-t", "2", "-r", "1", "-v2c", "-c", COMMUNITY,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .chain([format!("127.0.0.1:{port}")])
    .collect()
}

/// `snmpget -Oqv` of one OID: the value as net-snmp prints it, unquoted.
pub fn snmpget(port: u16, oid: &str) -> String {
    let out = run(Command::new("snmpget")
        .args(snmpget_v2c_args(port))
        .arg(oid));
    out.trim().trim_matches('"').to_owned()
}

/// `snmpget` of a number.
pub fn snmpget_number(port: u16, oid: &str) -> f64 {
    let text = snmpget(port, oid);
    text.parse()
        .unwrap_or_else(|_| panic!("snmpget {oid} gave `{text}`, not a number"))
}

/// `snmpbulkwalk -On -Oq` of a subtree: (row suffix, value unquoted).
pub fn snmpwalk(port: u16, oid: &str) -> Vec<(String, String)> {
    let out = run(Command::new("snmpbulkwalk")
        .args(["-m", "", "-On", "-Oq", "-v2c", "-c", COMMUNITY])
        .arg(format!("127.0.0.1:{port}"))
        .arg(oid));
    let prefix = format!(".{oid}");
    out.lines()
        .filter_map(|line| {
            let (name, value) = line.split_once(' ').unwrap_or((line, ""));
            let suffix = name.strip_prefix(&prefix)?;
            Some((suffix.to_owned(), value.trim().trim_matches('"').to_owned()))
        })
        .collect()
}

/// A UDP relay in front of an agent: counts the datagrams it forwards and
/// can stop forwarding (an agent that went away).
pub struct Relay {
    /// The port clients send to.
    pub port: u16,
    requests: Arc<AtomicUsize>,
    blocked: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Relay {
    /// A relay to `upstream`.
    pub fn to(upstream: &str) -> Relay {
        let upstream: SocketAddr = upstream.parse().expect("upstream address");
        let front = UdpSocket::bind("127.0.0.1:0").expect("bind relay");
        front
            .set_read_timeout(Some(Duration::from_millis(20)))
            .expect("timeout");
        let port = front.local_addr().expect("addr").port();
        let requests = Arc::new(AtomicUsize::new(0));
        let blocked = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let (r, b, s) = (requests.clone(), blocked.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            // client address → its own upstream socket
            let mut links: Vec<(SocketAddr, UdpSocket)> = Vec::new();
            let mut buf = vec![0u8; 65_535];
            while !s.load(Ordering::SeqCst) {
                if let Ok((n, client)) = front.recv_from(&mut buf) {
                    r.fetch_add(1, Ordering::SeqCst);
                    if !b.load(Ordering::SeqCst) {
                        if !links.iter().any(|(c, _)| *c == client) {
                            let up = UdpSocket::bind("127.0.0.1:0").expect("bind upstream");
                            up.set_nonblocking(true).expect("nonblocking");
                            up.connect(upstream).expect("connect upstream");
                            links.push((client, up));
                        }
                        if let Some((_, up)) = links.iter().find(|(c, _)| *c == client) {
                            let _ = up.send(&buf[..n]);
                        }
                    }
                }
                for (client, up) in &links {
                    while let Ok(n) = up.recv(&mut buf) {
                        if !b.load(Ordering::SeqCst) {
                            let _ = front.send_to(&buf[..n], client);
                        }
                    }
                }
            }
        });
        Relay {
            port,
            requests,
            blocked,
            stop,
            thread: Some(thread),
        }
    }

    /// Datagrams received from clients so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// Stops (`true`) or resumes forwarding.
    pub fn block(&self, blocked: bool) {
        self.blocked.store(blocked, Ordering::SeqCst);
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// An ipmi_sim BMC of the test's own, reachable over lanplus.
pub struct IpmiSim {
    _child: Guarded,
    /// Its RMCP+ UDP port.
    pub port: u16,
    console_port: u16,
    _dir: tempfile::TempDir,
}

/// The BMC user of tests/fixtures/ipmi/lan.conf.in.
pub const IPMI_USER: &str = "nepho";
/// Its password.
pub const IPMI_PASSWORD: &str = "nepho-secret";

impl IpmiSim {
    /// Compiles tests/fixtures/ipmi/sensors.sdrs, starts ipmi_sim with
    /// lan.conf.in and bmc.emu, and waits until `ipmitool sdr info` works.
    pub fn start() -> IpmiSim {
        let dir = tempfile::tempdir().expect("temporary directory");
        let state = dir.path().join("state");
        let sdr_dir = state.join("ipmi_sim/nephosim");
        std::fs::create_dir_all(&sdr_dir).expect("state dir");
        run(Command::new("sdrcomp")
            .arg("-o")
            .arg(sdr_dir.join("sdr.20.main"))
            .arg(fixture("ipmi/sensors.sdrs")));
        let port = free_udp_port();
        let console_port = free_tcp_port();
        let template = std::fs::read_to_string(fixture("ipmi/lan.conf.in")).expect("fixture");
        let conf = dir.path().join("lan.conf");
        std::fs::write(
            &conf,
            template
                .replace("@LAN_PORT@", &port.to_string())
                .replace("@CONSOLE_PORT@", &console_port.to_string()),
        )
        .expect("write lan.conf");
        let log = std::fs::File::create(dir.path().join("ipmi_sim.log")).expect("log file");
        let child = Command::new("ipmi_sim")
            .arg("-c")
            .arg(&conf)
            .arg("-f")
            .arg(fixture("ipmi/bmc.emu"))
            .arg("-s")
            .arg(&state)
            .arg("-n")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start ipmi_sim (Debian package openipmi)");
        let sim = IpmiSim {
            _child: Guarded(child),
            port,
            console_port,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let probe = Command::new("ipmitool")
                .args(sim.ipmitool_args(IPMI_PASSWORD))
                .args(["sdr", "info"])
                .stdin(Stdio::null())
                .output();
            if probe.is_ok_and(|o| o.status.success()) {
                return sim;
            }
            assert!(
                Instant::now() < deadline,
                "ipmi_sim on port {port} did not answer"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// ipmitool's options for this BMC.
    pub fn ipmitool_args(&self, password: &str) -> Vec<String> {
        [
            "-I",
            "lanplus",
            "-C",
            "3",
            "-H",
            "127.0.0.1",
            "-p",
            &self.port.to_string(),
            "-U",
            IPMI_USER,
            "-P",
            password,
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
    }

    /// Runs ipmitool against this BMC (as the test's independent reference).
    pub fn ipmitool(&self, args: &[&str]) -> String {
        run(Command::new("ipmitool")
            .args(self.ipmitool_args(IPMI_PASSWORD))
            .args(args))
    }

    /// Runs emulator commands on the simulator's console.
    pub fn console(&self, commands: &[&str]) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.console_port)).expect("console");
        stream
            .set_read_timeout(Some(Duration::from_secs(3)))
            .expect("timeout");
        let mut buf = [0u8; 4096];
        read_until_prompt(&mut stream, &mut buf);
        for command in commands {
            stream
                .write_all(format!("{command}\n").as_bytes())
                .expect("send command");
            read_until_prompt(&mut stream, &mut buf);
        }
    }
}

fn read_until_prompt(stream: &mut TcpStream, buf: &mut [u8]) {
    let mut seen = Vec::new();
    while !seen.ends_with(b"> ") {
        let n = stream.read(buf).expect("console answer");
        assert!(n > 0, "console closed");
        seen.extend_from_slice(&buf[..n]);
    }
}

/// Captures the log lines `f` emits on this thread.
pub fn capture_logs<T>(f: impl FnOnce() -> T) -> (T, Vec<String>) {
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl Write for Sink {
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .extend_from_slice(data);
            Ok(data.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let sink = Sink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let out = tracing::subscriber::with_default(subscriber, f);
    let text = String::from_utf8_lossy(
        &sink
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    )
    .into_owned();
    (out, text.lines().map(str::to_owned).collect())
}
