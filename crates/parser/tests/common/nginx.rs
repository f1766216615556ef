//! Running real nginx in a temporary directory (never as a service): `nginx
//! -t` to get its verdict on a configuration, and a foreground nginx on
//! 127.0.0.1 to see how it reads values.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The nginx binary, if installed (PATH, then /usr/sbin).
pub fn binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/local/sbin")])
        .map(|d| d.join("nginx"))
        .find(|p| p.is_file())
}

/// The nginx binary, or `None` after a notice when it is missing. With
/// `NGINX_WSLINT_REQUIRE_NGINX=1` (CI) a missing nginx fails the test.
pub fn require() -> Option<PathBuf> {
    let found = binary();
    if found.is_none() {
        assert!(
            !super::required("NGINX_WSLINT_REQUIRE_NGINX"),
            "nginx is required (NGINX_WSLINT_REQUIRE_NGINX=1) but not installed: apt-get install -y nginx-light"
        );
        eprintln!("notice: nginx not found on PATH; test skipped (apt-get install -y nginx-light)");
    }
    found
}

/// What `nginx -t` said about a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    /// `[emerg] MESSAGE in FILE:LINE`
    Error {
        message: String,
        file: PathBuf,
        line: u32,
    },
    /// nginx rejected the configuration without naming a place (for example
    /// `unknown "x" variable`, found after the whole file was read).
    Rejected(String),
    /// nginx died from a signal (it recurses until it crashes on an include
    /// cycle).
    Crashed(String),
}

/// Writes `files` (path relative to a new temporary directory → content;
/// the main file is `nginx.conf`) and returns the directory.
pub fn write_tree(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    dir
}

/// Runs `nginx -t` on `dir/nginx.conf` with `dir` as prefix.
pub fn test_config(nginx: &Path, dir: &Path) -> Verdict {
    let conf = dir.join("nginx.conf");
    let output = Command::new(nginx)
        .arg("-t")
        .arg("-q")
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(&conf)
        .args(["-e", "stderr", "-g"])
        .arg(format!("pid {}/nginx.pid;", dir.display()))
        .output()
        .expect("nginx runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if output.status.success() {
        return Verdict::Ok;
    }
    for line in stderr.lines() {
        let Some(rest) = line.split("[emerg] ").nth(1) else {
            continue;
        };
        // Strip the "PID#TID: " prefix.
        let rest = rest.split_once(": ").map_or(rest, |(_, r)| r);
        if let Some((message, location)) = rest.rsplit_once(" in ") {
            if let Some((file, line)) = location.rsplit_once(':') {
                if let Ok(line) = line.parse() {
                    return Verdict::Error {
                        message: message.to_string(),
                        file: PathBuf::from(file),
                        line,
                    };
                }
            }
        }
    }
    if output.status.code().is_none() {
        Verdict::Crashed(format!("{:?}", output.status))
    } else {
        Verdict::Rejected(stderr)
    }
}

/// A foreground nginx serving a configuration on a free loopback port.
pub struct Server {
    child: Child,
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Starts nginx on `http_body`, wrapped as `http { server { listen
    /// 127.0.0.1:PORT; ... } }`; waits until it accepts connections.
    pub fn start(nginx: &Path, server_body: &str) -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display();
        let conf = format!(
            "daemon off;\nmaster_process off;\nerror_log {d}/error.log;\npid {d}/nginx.pid;\nevents {{}}\nhttp {{\n\
             access_log off;\nclient_body_temp_path {d}/body;\nproxy_temp_path {d}/proxy;\n\
             server {{\nlisten 127.0.0.1:{port};\n{server_body}\n}}\n}}\n"
        );
        std::fs::write(dir.path().join("nginx.conf"), conf).unwrap();
        let child = Command::new(nginx)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(dir.path().join("nginx.conf"))
            .args(["-e", "stderr"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx starts");
        let server = Server {
            child,
            port,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "nginx did not start listening on {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }

    /// GETs `path` and returns the status code and body.
    pub fn get(&self, path: &str) -> (u16, Vec<u8>) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(stream, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let split = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a complete response");
        let head = String::from_utf8_lossy(&response[..split]).into_owned();
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        (status, response[split + 4..].to_vec())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
