//! `nephometer polling` (Ceilometer's `ceilometer-polling`), and the polling
//! agent inside `nephometer run` when `[polling]` is configured.

use std::process::ExitCode;
use std::sync::Arc;

use nepho_policy::{PollingAgentConfig, PollingOutput};
use nepho_polling::compute::{self, ComputeOptions};
use nepho_polling::{
    NotifierOptions, NotifierSink, PollingAgent, Registry, RunningAgent, Sample, SampleSink,
    SampleType, local_host,
};
use nepho_runtime::bindings::{MeterType, SampleBatch};
use nepho_runtime::{OwnedSample, Reload};

use crate::ConfigArgs;
use crate::setup::load_plan;

/// `nephometer polling`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct PollingArgs {
    #[command(flatten)]
    config: ConfigArgs,
    /// Namespaces to load pollsters from: compute, central, ipmi (default:
    /// `[polling] namespaces`, else compute and central).
    #[arg(long, num_args = 1.., value_name = "NAMESPACE")]
    polling_namespaces: Vec<String>,
    /// Only the pollsters whose meter name matches one of these fnmatch
    /// patterns (e.g. 'memory.*' cpu).
    #[arg(long, num_args = 1.., value_name = "PATTERN")]
    pollster_list: Vec<String>,
}

/// Every pollster and discovery this binary has: compute (libvirt and the
/// local host), central (SNMP) and ipmi (nepho-hardware).
pub(crate) fn registry(config: &PollingAgentConfig) -> Registry {
    let mut registry = Registry::new();
    let mut options = ComputeOptions::new(&config.libvirt_uri, &config.host);
    options.open_timeout = config.libvirt_open_timeout;
    options.require_nova_metadata = config.require_nova_metadata;
    options.report_stopped_instance_metrics = config.report_stopped_instance_metrics;
    compute::register(&mut registry, &options);
    local_host::register(&mut registry, &config.host);
    let hardware = nepho_hardware::HardwareConfig::from_polling(&config.hardware, &config.host);
    nepho_hardware::register(&mut registry, &hardware);
    registry
}

/// Hands polled samples to this process's sample pipelines.
struct PipelineSink(Arc<nepho_flow::Agent>);

fn owned(sample: Sample) -> OwnedSample {
    OwnedSample {
        name: sample.name,
        meter_type: match sample.sample_type {
            SampleType::Gauge => MeterType::Gauge,
            SampleType::Delta => MeterType::Delta,
            SampleType::Cumulative => MeterType::Cumulative,
        },
        unit: sample.unit,
        volume: sample.volume,
        user_id: sample.user_id,
        project_id: sample.project_id,
        resource_id: sample.resource_id,
        timestamp: sample.timestamp,
        resource_metadata: serde_json::Value::Object(sample.resource_metadata).to_string(),
        source: sample.source,
        id: sample.id,
        monotonic_time: sample.monotonic_time,
    }
}

impl SampleSink for PipelineSink {
    fn publish(&self, samples: Vec<Sample>) -> Result<(), String> {
        let owned: Vec<OwnedSample> = samples.into_iter().map(owned).collect();
        self.0
            .publish_samples(&SampleBatch::from_samples(&owned))
            .map_err(|failures| nepho_flow::PublishFailure::joined(&failures))
    }
}

/// The agent for `config`, sending to `sink`; an error when no pollster is selected.
fn agent(config: &PollingAgentConfig, sink: Arc<dyn SampleSink>) -> anyhow::Result<PollingAgent> {
    let selection = registry(config).select(&config.namespaces, &config.pollster_list);
    if selection.pollsters.is_empty() {
        anyhow::bail!(
            "no pollster in the namespaces {:?} matches --pollster-list {:?}",
            config.namespaces,
            config.pollster_list
        );
    }
    let agent = PollingAgent::new(&config.sources, selection, sink, config.batch_size);
    if agent.tasks().is_empty() {
        tracing::warn!(file = %config.cfg_file.display(), "no source of the polling file selects any loaded pollster");
    }
    Ok(agent)
}

fn notifier(config: &PollingAgentConfig, secret: &str) -> anyhow::Result<Arc<dyn SampleSink>> {
    let sink = NotifierSink::open(&NotifierOptions {
        url: config.url.clone(),
        topics: config.topics.clone(),
        exchange: config.exchange.clone(),
        telemetry_secret: secret.to_owned(),
    })
    .map_err(|e| anyhow::anyhow!("polling notifier: {e}"))?;
    Ok(Arc::new(sink))
}

/// `nephometer polling`.
pub(crate) fn run(args: &PollingArgs) -> anyhow::Result<ExitCode> {
    let plan = match load_plan(&args.config) {
        Ok(plan) => plan,
        Err(errors) => {
            eprintln!("{errors}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let mut config = plan.polling.clone().unwrap_or_default();
    if !args.polling_namespaces.is_empty() {
        config.namespaces = args.polling_namespaces.clone();
    }
    if !args.pollster_list.is_empty() {
        config.pollster_list = args.pollster_list.clone();
    }
    // The embedded defaults poll into `nephometer run`'s own pipelines; run
    // alone, as Ceilometer's ceilometer-polling, the agent sends to RabbitMQ.
    if args.config.config.is_none() {
        config.output = PollingOutput::Notifier;
    }
    if config.output == PollingOutput::Pipeline {
        anyhow::bail!(
            "[polling] output = \"pipeline\" publishes into this process's pipelines: use `nephometer run`; `nephometer polling` sends to RabbitMQ"
        );
    }
    let sink = notifier(&config, &plan.pipelines.telemetry_secret)?;
    let agent = agent(&config, sink)?;
    let _running = agent.start();
    loop {
        std::thread::park();
    }
}

/// Starts the polling agent of `nephometer run` when `[polling]` is present
/// and enabled: into the agent's own pipelines (`output = "pipeline"`) or
/// to RabbitMQ.
pub(crate) fn start_in_run(agent: &Arc<nepho_flow::Agent>) -> anyhow::Result<Option<RunningAgent>> {
    let Some(plan) = agent.current_plan() else {
        return Ok(None);
    };
    let Some(config) = plan.polling.filter(|p| p.enabled) else {
        return Ok(None);
    };
    let sink: Arc<dyn SampleSink> = match config.output {
        PollingOutput::Pipeline => Arc::new(PipelineSink(Arc::clone(agent))),
        PollingOutput::Notifier => notifier(&config, &plan.pipelines.telemetry_secret)?,
    };
    Ok(Some(self::agent(&config, sink)?.start()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_has_every_namespace_and_the_pollster_list_filters() {
        let config = PollingAgentConfig {
            libvirt_uri: "test:///default".into(),
            ..PollingAgentConfig::default()
        };
        let r = registry(&config);
        for ns in ["compute", "central", "ipmi"] {
            assert!(!r.pollsters(ns).is_empty(), "{ns} has pollsters");
        }
        let all = [
            "compute".to_owned(),
            "central".to_owned(),
            "ipmi".to_owned(),
        ];
        let memory = r.select(&all, &["memory.*".to_owned()]);
        assert!(!memory.pollsters.is_empty());
        assert!(
            memory
                .pollsters
                .iter()
                .all(|p| p.name().starts_with("memory."))
        );
        assert!(memory.discovery("local_instances").is_some());
    }

    #[test]
    fn polled_samples_become_pipeline_samples() {
        let sample = Sample {
            name: "cpu".into(),
            sample_type: SampleType::Cumulative,
            unit: "ns".into(),
            volume: 12.0,
            user_id: Some("u".into()),
            project_id: None,
            resource_id: "r".into(),
            timestamp: "2024-01-01T00:00:00".into(),
            resource_metadata: serde_json::json!({"cpu_number": 2})
                .as_object()
                .cloned()
                .unwrap_or_default(),
            source: "openstack".into(),
            id: "id-1".into(),
            monotonic_time: Some(3.5),
        };
        let o = owned(sample);
        assert_eq!(o.meter_type, MeterType::Cumulative);
        assert_eq!(o.resource_metadata, r#"{"cpu_number":2}"#);
        assert_eq!((o.id.as_str(), o.monotonic_time), ("id-1", Some(3.5)));
    }

    #[test]
    fn nothing_selected_is_an_error() {
        let config = PollingAgentConfig {
            pollster_list: vec!["no.such.meter".into()],
            ..PollingAgentConfig::default()
        };
        let sink: Arc<dyn SampleSink> = Arc::new(DiscardingSink);
        let error = agent(&config, sink).err().expect("refused").to_string();
        assert!(error.contains("no pollster"), "{error}");
    }

    /// Takes samples and drops them (the agent is never started here).
    struct DiscardingSink;
    impl SampleSink for DiscardingSink {
        fn publish(&self, _: Vec<Sample>) -> Result<(), String> {
            Ok(())
        }
    }
}
