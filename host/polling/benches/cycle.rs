//! CPU time of polling cycles over 1,000 libvirt test-driver domains, every
//! compute meter, every sample signed and serialised as the notifier sink
//! does (the AMQP send itself is left out). libvirt's test driver runs inside this process, so its
//! work (answering every libvirt call) is counted too.
//!
//! `cargo bench -p nepho-polling --bench cycle [-- DOMAINS CYCLES]`

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use nepho_polling::compute::{self, ComputeOptions};
use nepho_polling::{COMPUTE, PollingAgent, Registry, Sample, SampleSink};

/// Signs and serialises every sample as the notifier sink does (the
/// telemetry.polling payload), counts them and drops the bytes.
#[derive(Default)]
struct Count(AtomicUsize, bool);

impl SampleSink for Count {
    fn publish(&self, samples: Vec<Sample>) -> Result<(), String> {
        if !self.1 {
            self.0.fetch_add(samples.len(), Ordering::Relaxed);
            return Ok(());
        }
        let len = samples.len();
        let messages: Vec<serde_json::Value> = samples
            .into_iter()
            .map(|s| s.into_meter_message("bench-secret"))
            .collect();
        let body = serde_json::json!({"samples": messages}).to_string();
        std::hint::black_box(body);
        self.0.fetch_add(len, Ordering::Relaxed);
        Ok(())
    }
}

/// A test-driver node with `n` Nova instances, each with a disk, a vNIC and a balloon.
fn node(n: usize) -> String {
    let mut xml = String::from("<node>\n");
    for i in 0..n {
        let _ = write!(
            xml,
            r#"<domain type='test'><name>instance-{i:08x}</name><uuid>00000000-0000-4000-8000-{i:012x}</uuid>
<metadata><nova:instance xmlns:nova="http://openstack.org/xmlns/libvirt/nova/1.1"><nova:name>vm-{i}</nova:name>
<nova:flavor name="m1.small" id="2"><nova:memory>2048</nova:memory><nova:disk>20</nova:disk><nova:swap>0</nova:swap><nova:ephemeral>0</nova:ephemeral><nova:vcpus>1</nova:vcpus></nova:flavor>
<nova:owner><nova:user uuid="u{i}">u</nova:user><nova:project uuid="p{}">p</nova:project></nova:owner>
<nova:root type="image" uuid="c0ffee00-1234-4567-89ab-cdef01234567"/></nova:instance></metadata>
<memory>2097152</memory><currentMemory>1048576</currentMemory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os>
<devices><disk type='file' device='disk'><source file='/i/{i}/disk'/><target dev='vda' bus='virtio'/></disk>
<interface type='bridge'><mac address='fa:16:3e:{:02x}:{:02x}:{:02x}'/><source bridge='br-int'/><target dev='tap{i:08x}'/></interface>
<memballoon model='virtio'/></devices></domain>
"#,
            i % 10,
            (i >> 16) & 0xff,
            (i >> 8) & 0xff,
            i & 0xff
        );
    }
    xml.push_str("</node>\n");
    xml
}

/// User + system CPU time of this process, all threads
/// (`CLOCK_PROCESS_CPUTIME_ID`: what getrusage's ru_utime + ru_stime add up to).
fn cpu_time() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    Duration::new(
        t.tv_sec.unsigned_abs(),
        u32::try_from(t.tv_nsec).unwrap_or(0),
    )
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let domains: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let cycles: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(5);
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("node.xml");
    std::fs::write(&path, node(domains)).expect("written");
    let uri = format!("test://{}", path.display());
    for (label, sign) in [
        ("polling only (samples counted)", false),
        (
            "polling + signed, serialised telemetry.polling payloads",
            true,
        ),
    ] {
        println!("== {label}");
        run(&uri, domains, cycles, sign);
    }
}

fn run(uri: &str, domains: usize, cycles: usize, sign: bool) {
    let mut registry = Registry::new();
    compute::register(&mut registry, &ComputeOptions::new(uri, "bench"));
    let yaml = "sources:\n- name: all\n  interval: 600\n  meters: ['*']\n";
    let config = nepho_pipeline::parse_polling("polling.yaml", yaml).expect("valid");
    let count = Arc::new(Count(AtomicUsize::new(0), sign));
    let selection = registry.select(&[COMPUTE.to_owned()], &[]);
    let pollsters = selection.pollsters.len();
    let agent = PollingAgent::new(&config, selection, count.clone(), 50);
    // The first cycle opens the connection (the test driver parses the node file).
    let (c0, w0) = (cpu_time(), Instant::now());
    let first = agent.poll_once();
    println!(
        "first cycle (connect + parse {domains} domains): {:.3} s CPU, {:.3} s wall, {} samples",
        (cpu_time() - c0).as_secs_f64(),
        w0.elapsed().as_secs_f64(),
        first.samples
    );
    let mut cpu = Vec::new();
    for _ in 0..cycles {
        count.0.store(0, Ordering::Relaxed);
        let (c, w) = (cpu_time(), Instant::now());
        let report = agent.poll_once();
        let (spent, wall) = ((cpu_time() - c).as_secs_f64(), w.elapsed().as_secs_f64());
        cpu.push(spent);
        println!(
            "cycle: {spent:.3} s CPU (user+sys), {wall:.3} s wall, {} samples, {} pollsters",
            report.samples, report.started
        );
        assert_eq!(report.samples, count.0.load(Ordering::Relaxed));
    }
    cpu.sort_by(f64::total_cmp);
    let median = cpu[cpu.len() / 2];
    println!(
        "{domains} domains, {pollsters} compute pollsters: median {median:.3} s CPU per cycle (min {:.3}, max {:.3}); goal < 1 s: {}",
        cpu[0],
        cpu[cpu.len() - 1],
        if median < 1.0 { "met" } else { "missed" }
    );
}
