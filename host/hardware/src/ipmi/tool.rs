//! Running `ipmitool` with a deadline: a run that takes too long is killed.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::config::IpmiConfig;

/// How `ipmitool` is run: the program, the interface options, the deadline.
#[derive(Clone)]
pub struct IpmiTool {
    command: PathBuf,
    interface_args: Vec<String>,
    password: Option<String>,
    timeout: Duration,
}

impl std::fmt::Debug for IpmiTool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IpmiTool")
            .field("command", &self.command)
            .field("interface_args", &self.interface_args)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl IpmiTool {
    /// The tool as `config` describes it.
    pub fn new(config: &IpmiConfig) -> Self {
        let mut args = Vec::new();
        let mut push = |flag: &str, value: Option<String>| {
            if let Some(v) = value {
                args.push(flag.to_owned());
                args.push(v);
            }
        };
        push("-I", config.interface.clone());
        push("-H", config.host.clone());
        push("-p", config.port.map(|p| p.to_string()));
        push("-U", config.user.clone());
        push("-C", config.cipher_suite.map(|c| c.to_string()));
        if config.password.is_some() {
            // The password goes in the environment, not on a command line
            // every local user can read.
            args.push("-E".to_owned());
        }
        IpmiTool {
            command: config.command.clone(),
            interface_args: args,
            password: config.password.clone(),
            timeout: config.timeout,
        }
    }

    /// The command line of a run (without the password), for messages and tests.
    pub fn command_line(&self, args: &[&str]) -> String {
        let mut parts = vec![self.command.display().to_string()];
        parts.extend(self.interface_args.iter().cloned());
        parts.extend(args.iter().map(|a| {
            if a.contains(' ') {
                format!("'{a}'")
            } else {
                (*a).to_owned()
            }
        }));
        parts.join(" ")
    }

    /// Runs `ipmitool <interface options> <args>` and returns its standard
    /// output; an exit status other than 0, a failure to start, or a run
    /// longer than the timeout (the child is then killed) is an error.
    pub fn run(&self, args: &[&str]) -> Result<String, String> {
        let mut command = Command::new(&self.command);
        command
            .args(&self.interface_args)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(password) = &self.password {
            command.env("IPMI_PASSWORD", password);
        }
        let shown = self.command_line(args);
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot run `{shown}`: {e}"))?;
        let stdout = drain(child.stdout.take());
        let stderr = drain(child.stderr.take());
        let status = wait_until(&mut child, Instant::now() + self.timeout);
        let grace = Duration::from_secs(1);
        let out = stdout.recv_timeout(grace).unwrap_or_default();
        let err = stderr.recv_timeout(grace).unwrap_or_default();
        match status {
            None => Err(format!(
                "`{shown}` took longer than {:?} and was killed",
                self.timeout
            )),
            Some(status) if status.success() => Ok(String::from_utf8_lossy(&out).into_owned()),
            Some(status) => Err(format!(
                "`{shown}` failed ({status}){}",
                match error_text(&err) {
                    t if t.is_empty() => String::new(),
                    t => format!(": {t}"),
                }
            )),
        }
    }
}

/// Reads a pipe to its end on a thread of its own (so a full pipe never
/// blocks the child) and sends what it read.
fn drain(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    if let Some(mut pipe) = pipe {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            let _ = tx.send(buf);
        });
    }
    rx
}

/// Waits for the child until `deadline`; kills it then. `None`: killed.
fn wait_until(child: &mut Child, deadline: Instant) -> Option<ExitStatus> {
    let mut pause = Duration::from_millis(2);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(pause.min(deadline.saturating_duration_since(Instant::now())));
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            Ok(None) | Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

/// ipmitool's complaint, without its banner line.
fn error_text(stderr: &[u8]) -> String {
    String::from_utf8_lossy(stderr)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("Loading IANA PEN Registry"))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(command: &str) -> IpmiConfig {
        IpmiConfig {
            command: PathBuf::from(command),
            timeout: Duration::from_millis(300),
            ..IpmiConfig::default()
        }
    }

    #[test]
    fn the_interface_options_come_first_and_the_password_stays_off_the_command_line() {
        let tool = IpmiTool::new(&IpmiConfig {
            interface: Some("lanplus".into()),
            host: Some("127.0.0.1".into()),
            port: Some(9623),
            user: Some("admin".into()),
            password: Some("s3cret".into()),
            cipher_suite: Some(3),
            ..IpmiConfig::default()
        });
        assert_eq!(
            tool.command_line(&["sensor", "get", "Pwr Consumption"]),
            "ipmitool -I lanplus -H 127.0.0.1 -p 9623 -U admin -C 3 -E sensor get 'Pwr Consumption'"
        );
        assert!(!format!("{tool:?}").contains("s3cret"));
    }

    #[test]
    fn a_run_past_its_deadline_is_killed() {
        let started = Instant::now();
        let err = IpmiTool::new(&config("sleep"))
            .run(&["5"])
            .expect_err("killed");
        assert!(err.contains("took longer than"), "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn failures_say_what_failed() {
        let err = IpmiTool::new(&config("/nonexistent/ipmitool"))
            .run(&["sdr", "info"])
            .expect_err("no such program");
        assert!(
            err.contains("cannot run `/nonexistent/ipmitool sdr info`"),
            "{err}"
        );
        let err = IpmiTool::new(&config("false"))
            .run(&[])
            .expect_err("exit 1");
        assert!(err.contains("`false` failed"), "{err}");
        let out = IpmiTool::new(&config("echo"))
            .run(&["hello"])
            .expect("runs");
        assert_eq!(out, "hello\n");
    }
}
