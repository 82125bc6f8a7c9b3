//! Interop test harness: real peers (mosquitto, libcoap) and the `mqcoap`
//! binary as child processes on free loopback ports, stopped by PID on drop,
//! with a deadline on every wait so that no test can hang.
#![allow(dead_code)] // each test file uses a different part of the harness

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// Finds a peer program on `PATH` or in the sbin directories (mosquitto lives
/// in /usr/sbin, which is not on every user's `PATH`). When it is missing:
/// panics under CI (env `CI` set), otherwise prints a skip note and returns
/// `None` so the test can return early.
pub fn peer(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs = std::env::split_paths(&path).chain(
        [
            "/usr/sbin",
            "/usr/local/sbin",
            "/sbin",
            "/usr/bin",
            "/usr/local/bin",
        ]
        .map(PathBuf::from),
    );
    for dir in dirs {
        let candidate = dir.join(name);
        if candidate.is_file() {
            return Some(candidate);
        }
    }
    if std::env::var_os("CI").is_some() {
        panic!("{name} is not installed, and CI must run every interop test (see .ci/run)");
    }
    eprintln!("skipped: {name} is not installed (apt-get install mosquitto mosquitto-clients libcoap3-bin)");
    None
}

/// A loopback TCP port that was free a moment ago.
pub fn free_tcp_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A loopback UDP port that was free a moment ago.
pub fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A directory removed (with its contents) on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    /// A fresh, empty directory under the system temp dir.
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "mqcoap-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A child process killed (by its PID) and reaped on drop, whose stdout and
/// stderr lines arrive on channels.
pub struct Proc {
    pub name: String,
    child: Child,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
    /// Every stderr line seen so far (kept for failure messages).
    pub stderr_seen: Vec<String>,
}

fn pump(r: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(r).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

impl Proc {
    /// Spawns `cmd` with piped output.
    pub fn spawn(name: &str, mut cmd: Command) -> Proc {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        let stdout = pump(child.stdout.take().unwrap());
        let stderr = pump(child.stderr.take().unwrap());
        Proc {
            name: name.to_owned(),
            child,
            stdout,
            stderr,
            stderr_seen: Vec::new(),
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The next stdout line, or `None` after `timeout` or at end of output.
    pub fn line(&mut self, timeout: Duration) -> Option<String> {
        self.stdout.recv_timeout(timeout).ok()
    }

    /// Reads stdout lines until `n` have arrived or `timeout` has passed.
    pub fn lines(&mut self, n: usize, timeout: Duration) -> Vec<String> {
        let deadline = Instant::now() + timeout;
        let mut out = Vec::new();
        while out.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stdout.recv_timeout(left) {
                Ok(l) => out.push(l),
                Err(_) => break,
            }
        }
        out
    }

    /// Waits for a stderr line containing `needle`; panics after `timeout`
    /// with everything the process wrote to stderr.
    pub fn wait_stderr(&mut self, needle: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stderr.recv_timeout(left) {
                Ok(l) => {
                    let hit = l.contains(needle);
                    self.stderr_seen.push(l);
                    if hit {
                        return;
                    }
                }
                Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => panic!(
                    "{}: no stderr line with {needle:?} within {timeout:?}; stderr so far:\n{}",
                    self.name,
                    self.stderr_seen.join("\n")
                ),
            }
        }
    }

    /// Waits for a stdout line containing `needle` (lines before it are
    /// dropped); panics after `timeout`.
    pub fn wait_stdout(&mut self, needle: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stdout.recv_timeout(left) {
                Ok(l) if l.contains(needle) => return,
                Ok(_) => {}
                Err(_) => panic!(
                    "{}: no stdout line with {needle:?} within {timeout:?}",
                    self.name
                ),
            }
        }
    }

    /// Waits for the process to exit; kills it and panics after `timeout`.
    pub fn wait(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                self.drain_stderr();
                panic!(
                    "{} did not exit within {timeout:?}; stderr:\n{}",
                    self.name,
                    self.stderr_seen.join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Moves whatever stderr output is buffered into `stderr_seen`.
    pub fn drain_stderr(&mut self) -> &[String] {
        while let Ok(l) = self.stderr.recv_timeout(Duration::from_millis(50)) {
            self.stderr_seen.push(l);
        }
        &self.stderr_seen
    }

    /// Whether the process has not exited yet.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Kills the process now (SIGKILL: an abrupt close for its peers).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGINT by PID (what Ctrl-C does), via kill(1).
    pub fn interrupt(&self) {
        let _ = Command::new("kill")
            .arg("-INT")
            .arg(self.pid().to_string())
            .status();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A finished `mqcoap` run.
pub struct Output {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// The exit code (-1 when killed by a signal).
    pub fn code(&self) -> i32 {
        self.status.code().unwrap_or(-1)
    }
}

/// The `mqcoap` binary under test.
pub fn mqcoap_cmd(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mqcoap"));
    c.args(args);
    c
}

/// Starts `mqcoap ARGS` in the background.
pub fn spawn_mqcoap(args: &[&str]) -> Proc {
    Proc::spawn(&format!("mqcoap {}", args.join(" ")), mqcoap_cmd(args))
}

/// Runs `cmd` to completion with a deadline; kills it and panics on timeout.
pub fn run_cmd(name: &str, cmd: Command, timeout: Duration) -> Output {
    run_cmd_with_input(name, cmd, None, timeout)
}

/// [`run_cmd`], writing `input` (then end of file) to its standard input,
/// or giving it none.
pub fn run_cmd_with_input(
    name: &str,
    mut cmd: Command,
    input: Option<&[u8]>,
    timeout: Duration,
) -> Output {
    let mut child = cmd
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = so.read_to_end(&mut s);
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = se.read_to_end(&mut s);
        s
    });
    // Written once both outputs are being read, so a child that answers
    // while reading cannot block on a full pipe; closed (end of file) after.
    if let (Some(bytes), Some(mut stdin)) = (input, child.stdin.take()) {
        stdin.write_all(bytes).expect("write stdin");
    }
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            let err = t_err.join().unwrap_or_default();
            panic!(
                "{name} did not finish within {timeout:?}; stderr:\n{}",
                String::from_utf8_lossy(&err)
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stdout = String::from_utf8_lossy(&t_out.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&t_err.join().unwrap_or_default()).into_owned();
    Output {
        status,
        stdout,
        stderr,
    }
}

/// Runs `mqcoap ARGS` to completion (deadline `timeout`).
pub fn mqcoap(args: &[&str], timeout: Duration) -> Output {
    run_cmd(
        &format!("mqcoap {}", args.join(" ")),
        mqcoap_cmd(args),
        timeout,
    )
}

/// Runs `mqcoap ARGS` with `input` on its standard input (deadline `timeout`).
pub fn mqcoap_with_input(args: &[&str], input: &[u8], timeout: Duration) -> Output {
    run_cmd_with_input(
        &format!("mqcoap {}", args.join(" ")),
        mqcoap_cmd(args),
        Some(input),
        timeout,
    )
}

/// Polls `ready` every 20 ms until it holds; panics after `timeout`.
pub fn wait_until(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !ready() {
        if Instant::now() >= deadline {
            panic!("{what} not ready within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A mosquitto broker on a free loopback port.
pub struct Mosquitto {
    pub port: u16,
    pub proc: Proc,
    dir: TempDir,
    exe: PathBuf,
}

impl Mosquitto {
    /// Starts a broker, or returns `None` (test skipped) when mosquitto is
    /// missing outside CI. Persistence goes to a temp dir, so a restart with
    /// [`Mosquitto::restart`] keeps sessions and queued messages.
    pub fn start() -> Option<Mosquitto> {
        Mosquitto::start_with(true)
    }

    /// A broker that refuses every client (`allow_anonymous false` and no
    /// password file): CONNACK "not authorized".
    pub fn start_refusing() -> Option<Mosquitto> {
        Mosquitto::start_with(false)
    }

    fn start_with(anonymous: bool) -> Option<Mosquitto> {
        let exe = peer("mosquitto")?;
        let dir = TempDir::new("mosquitto");
        // Started as root, mosquitto drops to its own user before it writes
        // the persistence file: let that user write here.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        }
        let conf = dir.path().join("mosquitto.conf");
        // Tests run in parallel: a port found free may be taken by another
        // test's broker before ours binds it. Retry on a fresh port then.
        for _ in 0..5 {
            let port = free_tcp_port();
            Mosquitto::write_conf(&conf, port, anonymous, dir.path());
            let mut proc = Mosquitto::launch(&exe, &conf, port);
            std::thread::sleep(Duration::from_millis(50));
            if proc.is_running() {
                return Some(Mosquitto {
                    port,
                    proc,
                    dir,
                    exe,
                });
            }
        }
        panic!("mosquitto did not stay up on any of 5 ports");
    }

    /// The broker's configuration. `max_inflight_messages 1024` matches the
    /// Receive Maximum `mqcoap` announces; mosquitto's default of 20 trips
    /// two bugs of mosquitto 2.0.11 (Debian's package) that no client can
    /// work around, both seen in packet traces of
    /// `qos2_stream_survives_a_broker_restart_*`:
    /// * restoring from its persistence file, it keeps only the first 20 of
    ///   a 5.0 client's in-flight messages in flight and queues the rest
    ///   again, then sends them as PUBLISH (DUP 1) although it had already
    ///   sent their PUBREL, which [MQTT-4.3.3-6] forbids: the client has
    ///   completed them and must take them as new messages;
    /// * with a fast QoS 2 publisher and a 3.1.1 subscriber it stops sending
    ///   to the subscriber after 40 to 60 messages, its own `mosquitto_sub`
    ///   included, and never resumes.
    fn write_conf(conf: &Path, port: u16, anonymous: bool, dir: &Path) {
        std::fs::write(
            conf,
            format!(
                "listener {port} 127.0.0.1\nallow_anonymous {anonymous}\npersistence true\n\
                 persistence_location {}/\nautosave_interval 0\nmax_queued_messages 100000\n\
                 max_inflight_messages 1024\nlog_dest stderr\nlog_type error\nlog_type warning\n",
                dir.display()
            ),
        )
        .unwrap();
    }

    fn launch(exe: &Path, conf: &Path, port: u16) -> Proc {
        let mut cmd = Command::new(exe);
        cmd.arg("-c").arg(conf);
        let proc = Proc::spawn("mosquitto", cmd);
        wait_until("mosquitto", Duration::from_secs(10), || {
            TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        proc
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Stops the broker (SIGTERM, so it saves its persistence file) and starts
    /// it again on the same port with the same state.
    pub fn restart(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.proc.pid().to_string())
            .status();
        self.proc.wait(Duration::from_secs(10));
        self.proc = Mosquitto::launch(
            &self.exe,
            &self.dir.path().join("mosquitto.conf"),
            self.port,
        );
    }
}

/// `coap-server-notls -A 127.0.0.1 -p PORT` on a free port.
pub struct LibcoapServer {
    pub port: u16,
    pub proc: Proc,
}

impl LibcoapServer {
    /// Starts `coap-server-notls -A 127.0.0.1 -p PORT -d 10`, or `None` (skip) when libcoap is missing outside CI.
    pub fn start() -> Option<LibcoapServer> {
        let exe = peer("coap-server-notls")?;
        let port = free_udp_port();
        let mut cmd = Command::new(exe);
        // -d 10: allow up to 10 resources created by PUT/POST, so that
        // POST and DELETE have something to act on.
        cmd.args(["-A", "127.0.0.1", "-p", &port.to_string(), "-d", "10"]);
        let proc = Proc::spawn("coap-server-notls", cmd);
        wait_until_coap_answers(port);
        Some(LibcoapServer { port, proc })
    }

    /// `coap://127.0.0.1:PORT` + `path`.
    pub fn uri(&self, path: &str) -> String {
        format!("coap://127.0.0.1:{}{path}", self.port)
    }
}

/// Sends a CoAP ping (an Empty CON, RFC 7252 §4.3) until an RST comes back.
pub fn wait_until_coap_answers(port: u16) {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let mut mid: u16 = 0x4d00;
    wait_until("CoAP server", Duration::from_secs(10), || {
        mid = mid.wrapping_add(1);
        let [hi, lo] = mid.to_be_bytes();
        let _ = sock.send_to(&[0x40, 0x00, hi, lo], ("127.0.0.1", port));
        let mut buf = [0u8; 64];
        matches!(sock.recv_from(&mut buf), Ok((n, _)) if n >= 4 && buf[0] & 0x30 == 0x30)
    });
}

/// `mqcoap coap serve` on a free port, ready to answer.
pub fn spawn_serve() -> (Proc, u16) {
    let port = free_udp_port();
    let p = spawn_mqcoap(&["coap", "serve", "--bind", &format!("127.0.0.1:{port}")]);
    wait_until_coap_answers(port);
    (p, port)
}

/// A `mosquitto_sub` client, started and subscribed (it waits for SUBACK).
pub fn mosquitto_sub(broker_port: u16, extra: &[&str]) -> Option<Proc> {
    let exe = peer("mosquitto_sub")?;
    // Its stdout is a pipe here: line-buffer it so SUBACK shows at once.
    let mut cmd = Command::new("stdbuf");
    cmd.arg("-oL").arg(exe);
    cmd.args(["-h", "127.0.0.1", "-p", &broker_port.to_string(), "-d"])
        .args(extra);
    let mut p = Proc::spawn("mosquitto_sub", cmd);
    p.wait_stdout("received SUBACK", Duration::from_secs(10));
    p.wait_stdout("Subscribed", Duration::from_secs(10));
    Some(p)
}

/// Reads `n` message lines from a `mosquitto_sub -d`, skipping its debug lines.
pub fn mosquitto_sub_messages(p: &mut Proc, n: usize, timeout: Duration) -> Vec<String> {
    let deadline = Instant::now() + timeout;
    let mut out = Vec::new();
    while out.len() < n {
        let left = deadline.saturating_duration_since(Instant::now());
        match p.line(left) {
            Some(l) if l.starts_with("Client ") || l.starts_with("Subscribed (") => {}
            Some(l) => out.push(l),
            None => break,
        }
    }
    out
}

/// Runs `mosquitto_pub` to completion; `None` when it is missing outside CI.
pub fn mosquitto_pub(broker_port: u16, args: &[&str]) -> Option<Output> {
    let exe = peer("mosquitto_pub")?;
    let mut cmd = Command::new(exe);
    cmd.args(["-h", "127.0.0.1", "-p", &broker_port.to_string()])
        .args(args);
    let out = run_cmd("mosquitto_pub", cmd, Duration::from_secs(20));
    assert!(
        out.status.success(),
        "mosquitto_pub {args:?} failed: {}",
        out.stderr
    );
    Some(out)
}

/// Runs `coap-client-notls ARGS` with a deadline.
pub fn coap_client(args: &[&str]) -> Option<Output> {
    let exe = peer("coap-client-notls")?;
    let mut cmd = Command::new(exe);
    cmd.args(args);
    Some(run_cmd(
        &format!("coap-client-notls {}", args.join(" ")),
        cmd,
        Duration::from_secs(30),
    ))
}
